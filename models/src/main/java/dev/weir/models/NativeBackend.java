package dev.weir.models;

import org.nd4j.linalg.cpu.nativecpu.CpuBackend;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.factory.Nd4jBackend;

/**
 * Starts ND4J with {@link FencedOpExecutioner} on the CPU backend. ND4J reads the class of its
 * executioner once, from the key {@value #EXECUTIONER_PROPERTY}, where a system property overrides
 * the backend's own properties file; so the property has to be set before ND4J's first use in the
 * process (in Flink, in the job's class loader). Every class of this module that uses ND4J calls
 * {@link #start()} first. On another backend (CUDA) ND4J keeps its own executioner.
 *
 * <p>{@code NativeBackend.start(); INDArray a = Nd4j.create(...);}
 */
public final class NativeBackend {

    /** ND4J's configuration key for the class of its op executioner. */
    public static final String EXECUTIONER_PROPERTY = "opexec";

    private static boolean started;

    private NativeBackend() {}

    /**
     * Sets ND4J's executioner to {@link FencedOpExecutioner} when ND4J is about to start on its CPU
     * backend and no executioner was named, then starts ND4J.
     *
     * @throws IllegalStateException when ND4J runs on its CPU backend with another executioner:
     *     ND4J was started before this method was called, or the property named another one
     */
    public static synchronized void start() {
        if (!started) {
            if (System.getProperty(EXECUTIONER_PROPERTY) == null && cpuBackendChosen()) {
                System.setProperty(EXECUTIONER_PROPERTY, FencedOpExecutioner.class.getName());
            }
            started = true;
        }
        if (Nd4j.getEnvironment().isCPU() && !fenced()) {
            throw new IllegalStateException(
                    "ND4J runs with the executioner "
                            + Nd4j.getExecutioner().getClass().getName()
                            + " instead of "
                            + FencedOpExecutioner.class.getName()
                            + ": "
                            + cause()
                            + ", and its native calls could read arrays the garbage collector has"
                            + " freed");
        }
    }

    /** Why ND4J did not start with the fenced executioner. */
    private static String cause() {
        String named = System.getProperty(EXECUTIONER_PROPERTY);
        if (named != null && !named.equals(FencedOpExecutioner.class.getName())) {
            return "the system property "
                    + EXECUTIONER_PROPERTY
                    + " names it; leave the property unset or name "
                    + FencedOpExecutioner.class.getName();
        }
        return "ND4J was started before NativeBackend.start()";
    }

    /**
     * Whether ND4J runs with {@link FencedOpExecutioner}. Compared by name, not by class: on a
     * Flink cluster ND4J loads once per TaskManager from the cluster's class path (the parent-first
     * patterns of {@code flink-conf/<env>}), so the first job to start it creates the executioner
     * from its own class loader, and every later job (an upgrade) runs with that instance, whose
     * class its own loader does not see. That first job's class loader stays loaded for it, as it
     * already does for JavaCPP's deallocator thread.
     */
    public static boolean fenced() {
        return Nd4j.getExecutioner()
                .getClass()
                .getName()
                .equals(FencedOpExecutioner.class.getName());
    }

    private static boolean cpuBackendChosen() {
        try {
            return Nd4jBackend.load() instanceof CpuBackend;
        } catch (Nd4jBackend.NoAvailableBackendException e) {
            // ND4J's own start reports it.
            return false;
        }
    }
}
