/// The colour order a framework's input images arrive in.
public enum ChannelOrder: String, VocabularyTerm {
    case bgr = "BGR", rgb = "RGB"
    public static let termName = "input channel order"
}
