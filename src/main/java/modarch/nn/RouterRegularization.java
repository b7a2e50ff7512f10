package modarch.nn;

/**
 * The weights of the routing regularisers against collapse (beyond the paper; 0 is the paper's recipe): the Switch
 * Transformer's load-balancing loss, ST-MoE's router z-loss, and the negative mutual information between example
 * and module (see {@link modarch.backend.Backend#routerRegularizers}).
 */
public record RouterRegularization(double loadBalance, double zLoss, double miLoss) {
    public static final RouterRegularization NONE = new RouterRegularization(0, 0, 0);

    /** Whether any weight is set (then the router computes the terms and adds their gradient). */
    public boolean active() {
        return loadBalance != 0 || zLoss != 0 || miLoss != 0;
    }
}
