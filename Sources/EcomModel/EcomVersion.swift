/// The tool's version; part of the determinism contract (same seed, config and version, same bytes).
public enum EcomVersion {
    /// Semantic version of the generator output.
    public static let current = "0.1.0"
}
