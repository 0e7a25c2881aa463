import Foundation
import WeightPortCore

extension JSONValue {
    /// Any Encodable value as an ordered JSON value (keys sorted), nil when it does not encode.
    init?<T: Encodable>(encoding value: T) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(value), let object = try? JSONSerialization.jsonObject(with: data) else { return nil }
        self.init(foundation: object)
    }

    init(foundation object: Any) {
        switch object {
        case let dict as [String: Any]: self = .object(dict.keys.sorted().map { ($0, JSONValue(foundation: dict[$0]!)) })
        case let array as [Any]: self = .array(array.map(JSONValue.init(foundation:)))
        case let string as String: self = .string(string)
        case let number as NSNumber:
            // JSONSerialization returns booleans as NSNumbers of Objective-C type `c`.
            if String(cString: number.objCType) == "c" { self = .bool(number.boolValue) }
            else if number.doubleValue == number.doubleValue.rounded(), abs(number.doubleValue) < 1e15 { self = .int(number.intValue) }
            else { self = .double(number.doubleValue) }
        default: self = .null
        }
    }
}
