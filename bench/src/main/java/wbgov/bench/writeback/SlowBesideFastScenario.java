package wbgov.bench.writeback;

import java.util.List;
import wbgov.bench.rig.FastDevice;
import wbgov.bench.rig.SlowNbdDevice;

/**
 * A scenario on one slow NBD device ("slow") beside one fast device ("fast"), which its
 * {@link #setUp} builds: what contention and sync-wait share — the devices the configurations act
 * on, the recorder's columns, emptying both between runs, tearing both down, the plot.
 */
abstract class SlowBesideFastScenario extends Scenario {
    protected SlowNbdDevice slow;
    protected FastDevice fast;

    protected SlowBesideFastScenario(BenchContext ctx) {
        super(ctx);
    }

    @Override
    protected final BenchContext.Devices devices() {
        return BenchContext.Devices.of(List.of(slow), fast.bdi());
    }

    /** A recorder of both devices for a run under {@code c}. */
    protected final Recorder recorder(Configuration c) {
        return new Recorder(name(), c.id(), BenchContext.PERIOD_NS).nbd("slow", slow).device("fast", fast.bdi());
    }

    @Override
    protected final void between() throws Exception {
        ctx.drain(List.of(slow), List.of(fast.mountPoint()));
    }

    @Override
    protected final void tearDown() throws Exception {
        closeAll(fast, slow);
    }

    @Override
    protected final List<String> plotDevices() {
        return List.of("slow", "slow_fuse", "fast");
    }
}
