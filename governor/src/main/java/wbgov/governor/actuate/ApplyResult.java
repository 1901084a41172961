package wbgov.governor.actuate;

/**
 * The outcome of {@link BdiKnobs#apply}: what the kernel kept (always read back), how many knob
 * writes were made, and an error when the kernel refused a write even after a retry (the
 * governor counts it and tries again on a later tick; it is not a crash).
 *
 * @param kept what the kernel keeps now
 * @param writes knob writes made (0 when the kernel already had the target)
 * @param error null on success; else "bdi 7:0: kernel rejected max_bytes=… (Invalid argument)"
 */
public record ApplyResult(KnobState kept, int writes, String error) {
    public boolean ok() {
        return error == null;
    }
}
