/// Rules for text that crosses the platform's boundary.
///
/// Control characters are refused at the input boundary: SQLite returns a string cut at its first
/// NUL and PostgreSQL refuses NUL in `text`, so anything hashed, signed or compared after a round
/// trip would no longer match what was stored. Tab, line feed and carriage return are ordinary
/// text (a case description has lines); every other C0 control, DEL and the C1 controls are not.
public enum Text {
    /// Whether `scalar` is a control character that stored text may not hold.
    public static func isForbiddenControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: false
        case 0x00...0x1F, 0x7F...0x9F: true
        default: false
        }
    }

    /// Whether `text` holds a control character that stored text may not hold.
    public static func hasForbiddenControl(_ text: some StringProtocol) -> Bool {
        // Native strings are contiguous UTF-8: scan the bytes in place (every audited field and
        // every input field passes here).
        text.utf8.withContiguousStorageIfAvailable(hasForbiddenControl(bytes:)) ?? hasForbiddenControl(bytes: text.utf8)
    }

    private static func hasForbiddenControl(bytes: some Sequence<UInt8>) -> Bool {
        // C0 controls and DEL are single UTF-8 bytes; C1 controls are U+0080…U+009F, encoded C2 80…C2 9F.
        var afterC2 = false
        for byte in bytes {
            if afterC2, byte <= 0x9F { return true }
            afterC2 = byte == 0xC2
            if byte < 0x20, byte != 0x09, byte != 0x0A, byte != 0x0D { return true }
            if byte == 0x7F { return true }
        }
        return false
    }

    /// `text` made safe to store as it is: forbidden controls become U+FFFD and the text is cut to
    /// `maxCharacters` (marked with `…`). Used where input cannot be refused (the audit log records
    /// what an attacker sent, so it must store, and hash, a faithful but bounded form of it).
    public static func storable(_ text: String, maxCharacters: Int) -> String {
        var out = text
        if hasForbiddenControl(out) {
            var scalars = String.UnicodeScalarView()
            for scalar in out.unicodeScalars { scalars.append(isForbiddenControl(scalar) ? "\u{FFFD}" : scalar) }
            out = String(scalars)
        }
        // No more bytes than the limit means no more characters: skip counting grapheme clusters.
        if out.utf8.count > maxCharacters, out.count > maxCharacters {
            out = String(out.prefix(max(maxCharacters - 1, 0))) + "…"
        }
        return out
    }

    /// `text` as a JSON string literal, quotes included (RFC 8259: `"`, `\` and C0 controls escaped).
    public static func jsonQuoted(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count + 2)
        appendJSONQuoted(text, to: &out)
        return out
    }

    /// Appends `text` as a JSON string literal to `out`, with no string of its own in between
    /// (this is on the path of every refusal and every hand-written response).
    public static func appendJSONQuoted(_ text: String, to out: inout String) {
        // Most strings need no escape: copy them whole.
        func needsEscape(_ bytes: some Sequence<UInt8>) -> Bool {
            for byte in bytes where byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { return true }
            return false
        }
        out += "\""
        if !(text.utf8.withContiguousStorageIfAvailable(needsEscape) ?? needsEscape(text.utf8)) {
            out += text
            out += "\""
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
