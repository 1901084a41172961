# Durability client (libnbd's Python binding): 
#   durability.py URI write MANIFEST   writes, FLUSHes (and FUA-writes), records what was acknowledged
#                                      as durable in MANIFEST, prints DURABLE, then keeps writing
#                                      elsewhere until the server dies
#   durability.py URI verify MANIFEST  reads every recorded block back; exit 1 on any mismatch
import hashlib, os, sys
import nbd

uri, mode, manifest = sys.argv[1], sys.argv[2], sys.argv[3]
h = nbd.NBD()
h.connect_uri(uri)
MIB = 1 << 20
if mode == "write":
    entries = []
    for i in range(48):
        off = i * MIB + (i % 16) * 4096
        data = os.urandom(64 * 1024)
        h.pwrite(data, off)
        entries.append((off, len(data), hashlib.sha256(data).hexdigest()))
    h.flush()
    for i in range(48, 56):
        off = i * MIB
        data = os.urandom(32 * 1024)
        h.pwrite(data, off, nbd.CMD_FLAG_FUA)
        entries.append((off, len(data), hashlib.sha256(data).hexdigest()))
    with open(manifest, "w") as f:
        for e in entries:
            f.write("%d %d %s\n" % e)
    print("DURABLE", flush=True)
    i = 0
    while True:  # unflushed writes in another region, in flight when the server is killed
        h.pwrite(os.urandom(64 * 1024), (i % 56) * MIB + 512 * 1024)
        i += 1
else:
    bad = 0
    n = 0
    for line in open(manifest):
        off, length, digest = line.split()
        data = h.pread(int(length), int(off))
        n += 1
        if hashlib.sha256(data).hexdigest() != digest:
            bad += 1
            print("MISMATCH at offset %s (%s bytes)" % (off, length))
    print("verified %d blocks, %d bad" % (n, bad))
    sys.exit(1 if bad else 0)
