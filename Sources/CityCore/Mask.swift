/// How personal fields are shown to a reader without a grant for plain values: enough to recognise
/// a record one already holds, not enough to learn one.
public enum Mask {
    /// `4116**********123X`: the first four and last four characters.
    public static func idNumber(_ text: String) -> String { keep(text, head: 4, tail: 4) }

    /// `138****1234`: the first three and last four digits.
    public static func phone(_ text: String) -> String { keep(text, head: 3, tail: 4) }

    /// `川汇区七一路****`: the first six characters.
    public static func address(_ text: String) -> String {
        text.count <= 6 ? String(repeating: "*", count: text.count) : String(text.prefix(6)) + "****"
    }

    /// `王**`: the surname's character, the rest starred.
    public static func name(_ text: String) -> String {
        guard let first = text.first else { return text }
        return String(first) + String(repeating: "*", count: max(text.count - 1, 1))
    }

    /// `1985-**-**`: the year only.
    public static func birthDate(_ text: String) -> String {
        text.count >= 4 ? String(text.prefix(4)) + "-**-**" : "****"
    }

    /// `text` with all but `head` leading and `tail` trailing characters starred (all starred
    /// when it is too short to keep both).
    public static func keep(_ text: String, head: Int, tail: Int) -> String {
        let count = text.count
        guard count > head + tail else { return String(repeating: "*", count: count) }
        return String(text.prefix(head)) + String(repeating: "*", count: count - head - tail) + String(text.suffix(tail))
    }
}
