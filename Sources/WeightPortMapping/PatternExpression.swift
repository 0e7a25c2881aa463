/// The expression inside one `{…}` of a name pattern: an integer computed from a rule variable.
///
/// Forms: `s`, `s-1`, `s+2`, `2*i`, `2*i+1`, and `blocks(s)-1` where `blocks` is a per-stage
/// table the architecture supplies. An optional `:alphabet` suffix says how the integer is
/// spelled in the name (`letter`: a=0, b=1, …; `caffe_block`: a=0, then b=1… for short stages
/// or b1, b2, … for long ones).
public struct PatternExpression: Sendable, Equatable {
    public enum Spelling: Sendable, Equatable {
        case decimal
        /// `a`=0, `b`=1, …
        case letter
        /// MSRA Caffe block ids: `a`=0, `b`…`f`=1…5 in ResNet-50, `b1`…`b35` in deeper nets.
        case caffeBlock
        /// One of a list of words, standing for its index: `{p:weight|bias}` on one side and
        /// `{p:s|b}` on the other map `weight`↔`s` and `bias`↔`b`.
        case choice([String])

        init?(_ text: String) {
            switch text {
            case "letter": self = .letter
            case "caffe_block": self = .caffeBlock
            case "decimal": self = .decimal
            default:
                let words = text.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
                guard words.count >= 2, words.allSatisfy({ !$0.isEmpty }), Set(words).count == words.count else { return nil }
                self = .choice(words)
            }
        }
    }

    public let variable: String
    /// Name of an architecture table (`blocks`) applied to the variable, or nil.
    public let function: String?
    public let scale: Int
    public let offset: Int
    public let spelling: Spelling

    /// Parses the text between braces.
    public init(parsing text: String) throws(MappingError) {
        var body = Substring(text)
        var spelling = Spelling.decimal
        if let colon = body.firstIndex(of: ":") {
            guard let s = Spelling(String(body[body.index(after: colon)...])) else {
                throw .invalidPattern("unknown spelling in {\(text)}")
            }
            spelling = s
            body = body[..<colon]
        }
        self.spelling = spelling
        var offset = 0
        var scale = 1
        if let sign = body.lastIndex(where: { $0 == "+" || $0 == "-" }), sign != body.startIndex {
            let right = body[body.index(after: sign)...]
            if let n = Int(right) {
                offset = body[sign] == "+" ? n : -n
                body = body[..<sign]
            } else if body[sign] == "-", let c = Int(body[..<sign]) {
                // `4-s`: counting down, as Detectron.pytorch numbers its top-down FPN modules.
                offset = c
                scale = -1
                body = right
            } else {
                throw .invalidPattern("bad offset in {\(text)}")
            }
        }
        self.offset = offset
        if let star = body.firstIndex(of: "*") {
            guard scale == 1, let n = Int(body[..<star]), n > 0 else { throw .invalidPattern("bad factor in {\(text)}") }
            scale = n
            body = body[body.index(after: star)...]
        }
        self.scale = scale
        if let open = body.firstIndex(of: "("), body.hasSuffix(")") {
            function = String(body[..<open])
            body = body[body.index(after: open)..<body.index(before: body.endIndex)]
        } else {
            function = nil
        }
        guard !body.isEmpty, body.allSatisfy({ $0.isLetter || $0 == "_" || $0.isNumber }), body.first?.isLetter == true else {
            throw .invalidPattern("bad variable name in {\(text)}")
        }
        variable = String(body)
    }

    /// The integer this expression denotes for `value` of its variable.
    public func evaluate(_ value: Int, context: MappingContext) throws(MappingError) -> Int {
        var base = value
        if let function {
            guard let looked = context.lookup(function, value) else { throw .missingContext("\(function)(\(value))") }
            base = looked
        }
        return scale * base + offset
    }

    /// The variable's value given the integer found in a name, or nil when none fits.
    /// Function expressions cannot be inverted; they are checked after the variable is bound.
    public func solve(_ found: Int) -> Int? {
        guard function == nil else { return nil }
        let shifted = found - offset
        guard shifted % scale == 0 else { return nil }
        return shifted / scale
    }
}
