package wbgov.nbd.protocol;

import java.util.List;
import wbgov.nbd.Export;

/** The exports a handshake may choose from. */
public interface ExportRegistry {
    /** The export of that name; "" is the default export. Null when unknown. */
    Export find(String name);

    List<Export> all();
}
