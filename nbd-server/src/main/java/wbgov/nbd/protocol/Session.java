package wbgov.nbd.protocol;

import wbgov.nbd.Export;

/** What a handshake agreed on, for the transmission phase of one connection. */
public record Session(Export export, boolean structuredReplies, boolean baseAllocation, int transmissionFlags) {
}
