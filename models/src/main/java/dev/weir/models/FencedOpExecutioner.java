package dev.weir.models;

import java.lang.ref.Reference;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.BroadcastOp;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.IndexAccumulation;
import org.nd4j.linalg.api.ops.Op;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.RandomOp;
import org.nd4j.linalg.api.ops.ReduceOp;
import org.nd4j.linalg.api.ops.ScalarOp;
import org.nd4j.linalg.api.ops.aggregates.Aggregate;
import org.nd4j.linalg.api.ops.aggregates.Batch;
import org.nd4j.linalg.api.ops.impl.summarystats.Variance;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.cpu.nativecpu.ops.NativeOpExecutioner;

/**
 * ND4J's CPU executioner, with every operation kept reachable until its native call has returned.
 *
 * <p>ND4J 1.0.0-M2.1 passes an operation's arrays to native code as bare pointers to their native
 * buffer objects, and frees those objects when the Java arrays are collected. {@link
 * NativeOpExecutioner} reads the last Java field it needs (for a broadcast, the array of its
 * dimensions, which only the operation holds) before the native call, so the JIT may treat the
 * operation as dead during the call. A garbage collection at that moment lets ND4J's deallocator
 * free the dimensions' buffer while the native broadcast is about to read it: the process dies in
 * {@code sd::DataBuffer::primary()} under {@code execBroadcast}, as scoring did under GC pressure
 * (a DL4J dense layer adds its bias with a new broadcast operation in every forward pass). Every
 * public entry point here calls ND4J's and then {@link Reference#reachabilityFence} on the
 * operation, so the operation, and every array it holds, outlives the native call.
 *
 * <p>Installed by {@link NativeBackend#start()}; ND4J instantiates it by name, so it needs a public
 * constructor without arguments.
 */
public final class FencedOpExecutioner extends NativeOpExecutioner {

    public FencedOpExecutioner() {
        super();
    }

    @Override
    public INDArray exec(Op op) {
        INDArray result = super.exec(op);
        Reference.reachabilityFence(op);
        return result;
    }

    @Override
    public INDArray exec(Op op, OpContext context) {
        INDArray result = super.exec(op, context);
        Reference.reachabilityFence(op);
        Reference.reachabilityFence(context);
        return result;
    }

    @Override
    public INDArray exec(IndexAccumulation op) {
        INDArray result = super.exec(op);
        Reference.reachabilityFence(op);
        return result;
    }

    @Override
    public INDArray exec(IndexAccumulation op, OpContext context) {
        INDArray result = super.exec(op, context);
        Reference.reachabilityFence(op);
        Reference.reachabilityFence(context);
        return result;
    }

    @Override
    public INDArray exec(Variance op) {
        INDArray result = super.exec(op);
        Reference.reachabilityFence(op);
        return result;
    }

    @Override
    public INDArray exec(ReduceOp op) {
        INDArray result = super.exec(op);
        Reference.reachabilityFence(op);
        return result;
    }

    @Override
    public INDArray exec(ReduceOp op, OpContext context) {
        INDArray result = super.exec(op, context);
        Reference.reachabilityFence(op);
        Reference.reachabilityFence(context);
        return result;
    }

    @Override
    public INDArray exec(ScalarOp op) {
        INDArray result = super.exec(op);
        Reference.reachabilityFence(op);
        return result;
    }

    @Override
    public INDArray exec(ScalarOp op, OpContext context) {
        INDArray result = super.exec(op, context);
        Reference.reachabilityFence(op);
        Reference.reachabilityFence(context);
        return result;
    }

    @Override
    public INDArray exec(BroadcastOp op) {
        INDArray result = super.exec(op);
        Reference.reachabilityFence(op);
        return result;
    }

    @Override
    public INDArray exec(BroadcastOp op, OpContext context) {
        INDArray result = super.exec(op, context);
        Reference.reachabilityFence(op);
        Reference.reachabilityFence(context);
        return result;
    }

    @Override
    public INDArray exec(RandomOp op) {
        INDArray result = super.exec(op);
        Reference.reachabilityFence(op);
        return result;
    }

    @Override
    public INDArray exec(RandomOp op, Random random) {
        INDArray result = super.exec(op, random);
        Reference.reachabilityFence(op);
        return result;
    }

    @Override
    public INDArray exec(RandomOp op, OpContext context, Random random) {
        INDArray result = super.exec(op, context, random);
        Reference.reachabilityFence(op);
        Reference.reachabilityFence(context);
        return result;
    }

    @Override
    public INDArray[] exec(CustomOp op) {
        INDArray[] result = super.exec(op);
        Reference.reachabilityFence(op);
        return result;
    }

    @Override
    public INDArray[] exec(CustomOp op, OpContext context) {
        INDArray[] result = super.exec(op, context);
        Reference.reachabilityFence(op);
        Reference.reachabilityFence(context);
        return result;
    }

    @Override
    public <T extends Aggregate> void exec(Batch<T> batch) {
        super.exec(batch);
        Reference.reachabilityFence(batch);
    }

    @Override
    public void exec(List<Aggregate> batch) {
        super.exec(batch);
        Reference.reachabilityFence(batch);
    }

    @Override
    public void exec(Aggregate op) {
        super.exec(op);
        Reference.reachabilityFence(op);
    }
}
