import CityCore
import CityStore
import Foundation
@testable import Identity
import TestSupport
import Testing

/// A sender that keeps what it was asked to send.
final class KeptCodes: CodeSender, @unchecked Sendable {
    private let lock = NSLock()
    private var sent: [(phone: String, code: String)] = []
    func send(code: String, to phone: String) async throws { lock.withLock { sent.append((phone, code)) } }
    var last: String? { lock.withLock { sent.last?.code } }
    var count: Int { lock.withLock { sent.count } }
}

@Suite("Citizens' phone codes, on every engine")
struct PhoneCodeTests {
    static func codes(_ store: Store, clock: ManualClock, sender: KeptCodes) -> (PhoneCodes, AuditLog) {
        let audit = AuditLog(store: store, clock: clock)
        return (PhoneCodes(store: store, clock: clock, throttle: LoginThrottle(store: store, clock: clock), audit: audit, sender: sender, hasher: fastHasher), audit)
    }

    @Test("a code signs in once and registers a first-time phone; a wrong, used or expired code does not; a phone gets one code a minute", arguments: TestEngine.all)
    func signIn(engine: TestEngine) async throws {
        let clock = ManualClock()
        try await TestStores.with(engine, migrations: migrations) { store in
            let sender = KeptCodes()
            let (codes, _) = Self.codes(store, clock: clock, sender: sender)
            await #expect(throws: IdentityError.self) { try await codes.request(phone: "1391234000", origin: testOrigin) }
            try await codes.request(phone: "13912340000", origin: testOrigin)
            let code = try #require(sender.last)
            #expect(code.count == 6 && code.allSatisfy(\.isASCIIDigit))
            // What is stored is a hash, not the code.
            let stored = try await store.read { db in try await db.raw("SELECT code_hash FROM phone_codes").all(decoding: [String: String].self) }
            #expect(stored.count == 1 && stored[0]["code_hash"] != code)
            await #expect(throws: IdentityError.codeTooSoon(retryAfter: 60)) { try await codes.request(phone: "13912340000", origin: testOrigin) }
            let wrong = code == "000000" ? "000001" : "000000"
            await #expect(throws: IdentityError.wrongCode) { try await codes.verify(phone: "13912340000", code: wrong, origin: testOrigin) }
            let first = try await codes.verify(phone: "13912340000", code: code, origin: testOrigin)
            #expect(first.kind == .citizen && first.displayName == "市民0000")
            await #expect(throws: IdentityError.wrongCode) { try await codes.verify(phone: "13912340000", code: code, origin: testOrigin) }
            // A minute later a new code; it signs in the same account.
            clock.advance(by: 61)
            try await codes.request(phone: "13912340000", origin: testOrigin)
            #expect(try await codes.verify(phone: "13912340000", code: try #require(sender.last), origin: testOrigin).id == first.id)
            // Expired after five minutes.
            clock.advance(by: 61)
            try await codes.request(phone: "13912340000", origin: testOrigin)
            let late = try #require(sender.last)
            clock.advance(by: 301)
            await #expect(throws: IdentityError.wrongCode) { try await codes.verify(phone: "13912340000", code: late, origin: testOrigin) }
            let accounts = try await store.read { db in try await db.raw("SELECT COUNT(*) AS n FROM citizens").first(decoding: [String: Int].self)?["n"] }
            #expect(accounts == 1)
        }
    }

    @Test("five guesses at a code, even at once, and the right code no longer signs in", arguments: TestEngine.all)
    func guesses(engine: TestEngine) async throws {
        let clock = ManualClock()
        try await TestStores.with(engine, migrations: migrations) { store in
            let sender = KeptCodes()
            let (codes, _) = Self.codes(store, clock: clock, sender: sender)
            try await codes.request(phone: "13912340001", origin: testOrigin)
            let code = try #require(sender.last)
            let wrongs = (0..<8).map { String(format: "%06d", (Int(code)! + 1 + $0) % 1_000_000) }
            await withTaskGroup(of: Void.self) { group in
                for guess in wrongs { group.addTask { _ = try? await codes.verify(phone: "13912340001", code: guess, origin: testOrigin) } }
            }
            await #expect(throws: IdentityError.wrongCode) { try await codes.verify(phone: "13912340001", code: code, origin: testOrigin) }
        }
    }
}
