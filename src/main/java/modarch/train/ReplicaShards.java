package modarch.train;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import modarch.Futures;
import modarch.backend.Backend;
import modarch.model.Model;

/**
 * A group of replica runs spread over devices and then over the shards each device asks for
 * ({@link Backend#replicaShards}): each device trains a contiguous share of the group (as even as can be), split
 * again into contiguous shards; one {@link Trainer} per shard, all running side by side, each on its own thread and
 * backend. Every replica still gives the bits of its single run. The first shard reports to the listener; the
 * others train silently, and their divergences and last evaluations are gathered at the end.
 */
public final class ReplicaShards implements AutoCloseable {
    private final List<Trainer> trainers = new ArrayList<>();

    /** configs and dirs are paired, one per replica; device and tensorboard as for {@link Trainer}. */
    public ReplicaShards(List<TrainConfig> configs, String device, Backend backend, List<RunDirectory> dirs,
                         boolean tensorboard) {
        this(configs, device, List.of(backend), dirs, tensorboard);
    }

    /** As above over several devices (one backend each; a device left without a replica stays idle). */
    public ReplicaShards(List<TrainConfig> configs, String device, List<Backend> devices, List<RunDirectory> dirs,
                         boolean tensorboard) {
        int n = configs.size();
        try {
            for (int d = 0; d < devices.size(); d++) {
                int shareFrom = n * d / devices.size(), shareTo = n * (d + 1) / devices.size();
                int share = shareTo - shareFrom;
                if (share == 0) continue;
                List<Backend> shards = devices.get(d).replicaShards(share);
                for (int s = 0; s < shards.size(); s++) {
                    int from = shareFrom + share * s / shards.size(), to = shareFrom + share * (s + 1) / shards.size();
                    trainers.add(new Trainer(configs.subList(from, to), device, shards.get(s), dirs.subList(from, to),
                            tensorboard));
                }
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /** Trains every shard to the end (see {@link Trainer#run}); the first failure of any shard is rethrown. */
    public void run(boolean resume, Trainer.Listener listener) throws IOException {
        if (trainers.size() == 1) {
            trainers.get(0).run(resume, listener);
            return;
        }
        ExecutorService pool = Executors.newFixedThreadPool(trainers.size() - 1, r -> {
            Thread t = new Thread(r, "modarch-shard");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<Void>> others = new ArrayList<>();
            for (Trainer trainer : trainers.subList(1, trainers.size())) {
                others.add(pool.submit(() -> {
                    trainer.run(resume, new Trainer.Listener() { });
                    return null;
                }));
            }
            trainers.get(0).run(resume, listener);
            for (Future<Void> other : others) Futures.await(other, "a shard of replicas");
        } finally {
            pool.shutdownNow();
        }
    }

    /** The first shard's model: its parameters and shapes are every replica's. */
    public Model model() {
        return trainers.get(0).model();
    }

    /** The latest evaluation of every replica, in group order. */
    public List<EvalRecord> lastRecords() {
        List<EvalRecord> out = new ArrayList<>();
        for (Trainer t : trainers) out.addAll(t.lastRecords());
        return out;
    }

    /** The replicas that diverged, in group order. */
    public List<Trainer.Divergence> divergences() {
        List<Trainer.Divergence> out = new ArrayList<>();
        for (Trainer t : trainers) out.addAll(t.divergences());
        return out;
    }

    @Override
    public void close() {
        for (Trainer t : trainers) t.close();
    }
}
