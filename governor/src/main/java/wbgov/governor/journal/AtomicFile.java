package wbgov.governor.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Replaces a file's content so that a crash at any point leaves either the old content or the
 * new, never a mix: written to {@code NAME.tmp} beside it, fsync'd, renamed over the file, and
 * the directory fsync'd (the rename is durable only then). Used by the knob journal and the
 * remembered devices.
 */
public final class AtomicFile {
    private AtomicFile() {
    }

    /** Writes {@code text} (UTF-8) to {@code file} atomically and durably. */
    public static void write(Path file, String text) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = dir.resolve(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        } catch (IOException e) {
            throw new JournalException("cannot write " + tmp + ": " + e, e);
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new JournalException("cannot rename " + tmp + " to " + file + " atomically", e);
        }
        fsyncDir(dir);
    }

    /** Removes {@code file} if it exists, durably. */
    public static void delete(Path file) throws IOException {
        Files.deleteIfExists(file);
        fsyncDir(file.toAbsolutePath().getParent());
    }

    /** fsync of the directory makes a rename (or unlink) durable. */
    static void fsyncDir(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            throw new JournalException("cannot fsync directory " + dir + ": " + e, e);
        }
    }
}
