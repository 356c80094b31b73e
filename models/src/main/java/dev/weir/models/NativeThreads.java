package dev.weir.models;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * How many native threads ND4J (CPU backend) may use for the operations a scoring thread starts.
 * ND4J runs an operation on three kinds of native threads beside the caller: an OpenMP team, its
 * own thread pool, and OpenBLAS's threads for matrix products. Left at their defaults, each is
 * sized to every core of the machine, and OpenMP's workers spin-wait after every operation, so a
 * scoring subtask keeps about two cores busy and takes CPU from the task threads of the other
 * subtasks. With a limit of 1 an operation runs on the calling thread alone, and Flink's
 * parallelism is the only unit of concurrency.
 *
 * <p>The OpenMP limit holds for the calling thread only (OpenMP keeps it per thread; ND4J sets it
 * just for the thread that loads it), so each scoring thread applies it itself. The other two are
 * per process: every subtask of a TaskManager should apply the same value. On other backends (CUDA)
 * this does nothing.
 *
 * <p>{@code NativeThreads.limitCallingThread(1); // then score on this thread}
 */
public final class NativeThreads {

    /** One thread per scoring subtask: the operation runs on the subtask's own thread. */
    public static final int DEFAULT = 1;

    private NativeThreads() {}

    /**
     * Limits ND4J's OpenMP team for operations started on the calling thread, the threads one ND4J
     * operation may use from its pool, and OpenBLAS's threads, to {@code threads}.
     *
     * @return whether a limit was applied (false on a non-CPU backend)
     */
    public static boolean limitCallingThread(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("native threads must be >= 1, got " + threads);
        }
        NativeBackend.start();
        if (!Nd4j.getEnvironment().isCPU()) {
            return false;
        }
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        Nd4j.factory().blas().setMaxThreads(threads);
        return true;
    }

    /** The OpenMP threads an operation started on the calling thread may use. */
    public static int openMpThreadsOfCallingThread() {
        return NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads();
    }
}
