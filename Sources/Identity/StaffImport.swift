import CityCore
import Foundation

/// Reads staff accounts from CSV (the HR system's export): a header line, then one account a line.
/// Columns: `username,display_name,organisation_code,roles` with roles separated by `;`. Bad lines
/// are reported by line number and skipped; the good ones load. Accounts start without a password
/// and are activated by an administrator (`cityhub staff set-password`).
public enum StaffImport {
    /// A line the import refused.
    public struct Rejection: Sendable, Equatable, CustomStringConvertible {
        /// 1-based line number in the file, the header being line 1.
        public let line: Int
        public let reason: String
        public var description: String { "line \(line): \(reason)" }
    }

    public static let header = ["username", "display_name", "organisation_code", "roles"]

    /// Parses the file; `organisations` are the codes that exist.
    public static func parse(_ text: String, organisations: Set<String>) -> (accounts: [NewStaffMember], rejected: [Rejection]) {
        var accounts: [NewStaffMember] = []
        var rejected: [Rejection] = []
        var seen: Set<String> = []
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first, fields(String(first)).map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) == header else {
            return ([], [Rejection(line: 1, reason: "header must be \(header.joined(separator: ","))")])
        }
        for (index, raw) in lines.enumerated().dropFirst() {
            let number = index + 1
            let line = String(raw)
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let f = fields(line).map { $0.trimmingCharacters(in: .whitespaces) }
            guard f.count == 4 else { rejected.append(.init(line: number, reason: "expected 4 fields, found \(f.count)")); continue }
            let (username, name, organisation, roleText) = (f[0], f[1], f[2], f[3])
            guard isUsername(username) else { rejected.append(.init(line: number, reason: "bad username \(username)")); continue }
            guard !seen.contains(username) else { rejected.append(.init(line: number, reason: "username \(username) repeated in the file")); continue }
            guard (1...60).contains(name.count) else { rejected.append(.init(line: number, reason: "display_name must be 1 to 60 characters")); continue }
            guard organisations.contains(organisation) else { rejected.append(.init(line: number, reason: "unknown organisation \(organisation)")); continue }
            var roles: Set<Role> = []
            var badRole: String? = nil
            for r in roleText.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) where !r.isEmpty {
                guard let role = Role(rawValue: r), role != .platformAdmin else { badRole = r; break }
                roles.insert(role)
            }
            if let badRole { rejected.append(.init(line: number, reason: "unknown or not importable role \(badRole)")); continue }
            seen.insert(username)
            accounts.append(NewStaffMember(username: username, displayName: name, organisationCode: organisation, roles: roles, password: nil))
        }
        return (accounts, rejected)
    }

    /// Whether a username is 3 to 40 ASCII letters, digits, dots, underscores or hyphens.
    /// Lower-case ASCII letters, digits, `.`, `_` and `-`, 3 to 40 of them: no two accounts differ
    /// only by case (`Admin`) or by a look-alike capital (`huaiyang.handIer`).
    public static func isUsername(_ s: String) -> Bool {
        (3...40).contains(s.count) && s.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || "._-".contains($0)) }
    }

    /// Splits one CSV line, honouring double quotes ("" inside quotes is a quote).
    static func fields(_ line: String) -> [String] {
        var out: [String] = []
        var current = ""
        var quoted = false
        var chars = Array(line)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { current.append("\""); chars = chars.dropFirst() } else { quoted = false }
                } else {
                    current.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                out.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        out.append(current)
        return out
    }
}
