import CityCore
import CityStore
import Crypto
import Dispatch
import Foundation
import HummingbirdBcrypt

/// bcrypt hashing off the cooperative thread pool: a hash costs tens of milliseconds of CPU, and
/// this machine class has two cooperative threads.
public struct PasswordHasher: Sendable {
    /// bcrypt cost factor: 10 (about 70 ms a hash here) for the platform; tests may lower it.
    public let cost: UInt8

    public init(cost: UInt8 = 10) { self.cost = cost }

    /// Hashes a password.
    public func hash(_ password: String) async -> String {
        let cost = self.cost
        return await Self.offload { Bcrypt.hash(password, cost: cost) }
    }

    /// Checks a password against a stored hash.
    public func verify(_ password: String, hash: String) async -> Bool {
        await Self.offload { Bcrypt.verify(password, hash: hash) }
    }

    /// A hash to verify against when the account does not exist, so timing does not reveal usernames.
    static let decoy = Bcrypt.hash("decoy-password-for-timing", cost: 10)

    /// bcrypt runs on as many threads as there are cores, first come first served. Unbounded (one
    /// Dispatch thread each), 400 simultaneous sign-ins and account creations shared two cores
    /// among up to 64 threads and all finished together after 15 s or more; bounded, they finish
    /// one after another from the first 80 ms, at the same total rate.
    static let workers: OperationQueue = {
        let queue = OperationQueue()
        queue.name = "cityhub.bcrypt"
        queue.maxConcurrentOperationCount = max(1, ProcessInfo.processInfo.activeProcessorCount)
        queue.qualityOfService = .userInitiated
        return queue
    }()

    private static func offload<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            workers.addOperation { continuation.resume(returning: work()) }
        }
    }

    /// bcrypt reads at most 72 bytes of a password and ignores the rest without a word, so longer
    /// passwords are refused rather than silently cut.
    public static let maxBytes = 72

    /// Whether a password is acceptable: 10 characters to 72 bytes, with letters and digits.
    public static func isAcceptable(_ password: String) -> Bool {
        password.count >= 10 && password.utf8.count <= maxBytes && !Text.hasForbiddenControl(password) && password.contains(where: { $0.isASCII && $0.isLetter }) && password.contains(where: { $0.isASCII && $0.isNumber })
    }
}

/// Random secrets and their at-rest hashes.
public enum Secrets {
    /// `count` random bytes as base64url without padding.
    public static func random(bytes count: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// A readable generated password (letters and digits, 16 characters).
    public static func password() -> String {
        let letters = Array("abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ"), digits = Array("23456789")
        var generator = SystemRandomNumberGenerator()
        var chars = (0..<13).map { _ in letters.randomElement(using: &generator)! }
        chars += (0..<3).map { _ in digits.randomElement(using: &generator)! }
        return String(chars.shuffled(using: &generator))
    }

    /// SHA-256 hex of a high-entropy secret (tokens, API keys): bcrypt is for low-entropy passwords.
    public static func sha256(_ text: String) -> String {
        // Not String(format:) per byte: on the path of every authorised request, that was a quarter of its CPU.
        SHA256.hash(data: Data(text.utf8)).hexString
    }
}
