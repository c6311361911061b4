import Crypto
import Foundation
import Identity

/// The anti-forgery token every form of a signed-in page carries (beside the SameSite=Lax
/// cookie and the same-origin check on every cookie-authenticated change). It is derived from
/// the session token, which only the browser holding the HttpOnly cookie knows, so every server
/// process computes the same value without keeping anything, and it ends with the session.
enum FormToken {
    static let field = "csrf"

    static func make(for session: String) -> String {
        SHA256.hash(data: Data(("cityhub-form-token:" + session).utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `sent` is the token of `session` (compared in constant time).
    static func matches(_ sent: String?, session: String?) -> Bool {
        guard let sent, let session else { return false }
        return constantTimeEqual(make(for: session), sent)
    }
}
