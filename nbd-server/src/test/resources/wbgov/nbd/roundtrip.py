# roundtrip.py URI: writes random data across the 1 GiB mapping segment boundary and elsewhere,
# reads it back, trims and zeroes ranges, checks they read as zeros; prints OK or raises.
import os, sys
import nbd

h = nbd.NBD()
h.add_meta_context("base:allocation")
h.connect_uri(sys.argv[1])
G = 1 << 30
cases = [(G - 300 * 1024, 1 << 20), (0, 4096), (12345, 70000), (G + 5 * 4096, 32 << 20)]
for off, n in cases:
    data = os.urandom(n)
    h.pwrite(data, off)
    assert h.pread(n, off) == data, "read back differs at %d+%d" % (off, n)
h.flush()
h.trim(G - (1 << 20), 1 << 20)
assert h.pread(1 << 20, G - (1 << 20)) == bytes(1 << 20), "trimmed range not zero"
h.zero(65536, G + 5 * 4096)
assert h.pread(65536, G + 5 * 4096) == bytes(65536), "zeroed range not zero"
tail = h.pread(4096, G + 5 * 4096 + (32 << 20) - 4096)
assert tail == data[-4096:], "data after the zeroed range changed"
print("OK")
# Lengths of 2 GiB and more (TRIM, WRITE_ZEROES, BLOCK_STATUS carry 32-bit unsigned lengths).
h.pwrite(b"x" * 4096, 2 * G + 4096)
h.trim(3 * G - 4096, 0)
assert h.pread(4096, 2 * G + 4096) == bytes(4096), "3 GiB trim did not reach past 2 GiB"
h.pwrite(b"y" * 4096, 2 * G + 8192)
h.zero(3 * G - 4096, 0)
assert h.pread(4096, 2 * G + 8192) == bytes(4096), "3 GiB zero did not reach past 2 GiB"
print("OK large")
