/// The 3×3/2 max-pool after the stem: PyTorch pads 1 and floors; Caffe pads 0 and ceils.
public enum PoolRounding: String, VocabularyTerm {
    case pytorch, caffe
    public static let termName = "pool1 rounding"
}
