/// Telephone numbers as the platform accepts them: mainland mobile numbers and landlines, in ASCII digits.
public enum Phone {
    /// Whether `phone` is a mainland mobile number: 11 digits starting with 1[3-9].
    public static func isMobile(_ phone: String) -> Bool {
        let chars = Array(phone)
        return chars.count == 11 && chars.allSatisfy(\.isASCIIDigit) && chars[0] == "1" && "3456789".contains(chars[1])
    }

    /// A mobile number (`13800001234`, `+86 138 0000 1234`) or a landline (`0394-8123456`) as
    /// stored; nil when `text` is neither.
    public static func normalised(_ text: String) -> String? {
        var digits = text.filter { $0 != " " }
        if digits.hasPrefix("+86") { digits.removeFirst(3) }
        if isMobile(digits) { return digits }
        let landline = digits.split(separator: "-", omittingEmptySubsequences: false)
        if landline.count <= 2, landline.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }), digits.hasPrefix("0"),
           (10...12).contains(landline.joined().count) {
            return digits
        }
        return nil
    }
}
