import CityCore
import Crypto
import Foundation

/// A signed statement that the audit chain held `hash` at row `seq`, at time `at`. Kept outside
/// the database (a file of the server's own, and the server log), it anchors the chain: a tail
/// deleted, or the whole chain re-hashed after an edit, no longer matches the latest checkpoint.
public struct AuditCheckpoint: Codable, Sendable, Equatable {
    public let seq: Int64
    public let hash: String
    public let at: Date
    /// Names the signing key: the first 16 hex digits of SHA-256 of its public key.
    public let keyId: String
    /// Ed25519 signature of `message`, base64.
    public let signature: String

    /// What is signed: every field, in a fixed form.
    var message: Data {
        Data("cityhub-audit-checkpoint/v1|\(seq)|\(hash)|\(Int64((at.timeIntervalSince1970 * 1000).rounded()))|\(keyId)".utf8)
    }
}

/// Signs audit checkpoints with a key that is not in the database, and appends them to a file the
/// database's owner cannot rewrite. The key file is created on first use, readable by its owner only.
public struct AuditNotary: Sendable {
    let key: Curve25519.Signing.PrivateKey
    /// Where checkpoints are appended, one JSON object a line.
    public let checkpointFile: URL

    /// The key's public half, which verifies its checkpoints.
    public var publicKey: Curve25519.Signing.PublicKey { key.publicKey }
    public var keyId: String { Self.keyId(publicKey) }

    /// Loads the signing key from `keyFile` (base64 of the raw 32-byte key), creating it when
    /// missing; a file that holds no key is an error, never replaced.
    public static func load(keyFile: URL, checkpointFile: URL) throws -> AuditNotary {
        let raw = try SecretKeyFile.load(keyFile, length: 32) { Curve25519.Signing.PrivateKey().rawRepresentation }.key
        return AuditNotary(key: try Curve25519.Signing.PrivateKey(rawRepresentation: raw), checkpointFile: checkpointFile)
    }

    /// Signs the chain's state at `seq`.
    public func sign(seq: Int64, hash: String, at: Date) throws -> AuditCheckpoint {
        let at = Date(timeIntervalSince1970: (at.timeIntervalSince1970 * 1000).rounded() / 1000)
        let unsigned = AuditCheckpoint(seq: seq, hash: hash, at: at, keyId: keyId, signature: "")
        let signature = try key.signature(for: unsigned.message)
        return AuditCheckpoint(seq: seq, hash: hash, at: at, keyId: keyId, signature: signature.base64EncodedString())
    }

    /// Appends a checkpoint to the file (created 0600 when missing), as one line.
    public func append(_ checkpoint: AuditCheckpoint) throws {
        if !FileManager.default.fileExists(atPath: checkpointFile.path) {
            FileManager.default.createFile(atPath: checkpointFile.path, contents: nil, attributes: [.posixPermissions: 0o600])
        }
        let handle = try FileHandle(forWritingTo: checkpointFile)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: try Self.encoder.encode(checkpoint) + Data("\n".utf8))
        try handle.synchronize()
    }

    /// The checkpoints in a file, oldest first; a missing file has none. Unreadable lines are skipped
    /// (and so give no anchor), never trusted.
    public static func read(_ file: URL) throws -> [AuditCheckpoint] {
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? decoder.decode(AuditCheckpoint.self, from: Data($0.utf8)) }
    }

    /// The latest checkpoint in the file signed with this notary's key, if any.
    public func latest() throws -> AuditCheckpoint? {
        try Self.read(checkpointFile).filter { $0.keyId == keyId }.max { $0.seq < $1.seq }
    }

    /// Whether `checkpoint` was signed by `key`.
    public static func isGenuine(_ checkpoint: AuditCheckpoint, signedBy key: Curve25519.Signing.PublicKey) -> Bool {
        guard checkpoint.keyId == keyId(key), let signature = Data(base64Encoded: checkpoint.signature) else { return false }
        return key.isValidSignature(signature, for: checkpoint.message)
    }

    static func keyId(_ key: Curve25519.Signing.PublicKey) -> String {
        String(SHA256.hash(data: key.rawRepresentation).hexString.prefix(16))
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .millisecondsSince1970
        return encoder
    }()
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return decoder
    }()
}

extension AuditLog {
    /// The chain's last row, or nil when it is empty.
    public func head() async throws -> (seq: Int64, hash: String)? {
        struct Head: Decodable { let seq: Int64; let hash: String }
        return try await store.read { db in
            try await db.raw("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").first(decoding: Head.self)
        }.map { ($0.seq, $0.hash) }
    }

    /// Signs the head with `notary` and appends the checkpoint, unless `after` already covers it.
    /// - Returns: the new checkpoint, or nil when there was nothing new to sign.
    @discardableResult
    public func checkpoint(with notary: AuditNotary, after last: AuditCheckpoint? = nil) async throws -> AuditCheckpoint? {
        guard let head = try await head(), head.seq > (last?.seq ?? 0) else { return nil }
        let checkpoint = try notary.sign(seq: head.seq, hash: head.hash, at: clock.now())
        try notary.append(checkpoint)
        return checkpoint
    }

    /// Walks the chain as `verify()` does, and also checks it against checkpoints signed by `key`:
    /// a row a checkpoint names must exist with the hash it names. A deleted tail (`truncated`) or a
    /// chain re-hashed after an edit (`rewritten`) shows here though every link still holds; a
    /// checkpoint whose signature does not verify is itself reported (`forgedCheckpoint`).
    public func verify(against checkpoints: [AuditCheckpoint], signedBy key: Curve25519.Signing.PublicKey) async throws -> AuditVerification {
        let chain = try await verify()
        var problems = chain.problems
        let genuine = checkpoints.filter { AuditNotary.isGenuine($0, signedBy: key) }
        for forged in checkpoints where !AuditNotary.isGenuine(forged, signedBy: key) {
            problems.append(AuditProblem(kind: .forgedCheckpoint, seq: forged.seq, message: "checkpoint signature does not verify / 检查点签名无效"))
        }
        let wanted = Array(Set(genuine.map(\.seq)))
        var stored: [Int64: String] = [:]
        for chunk in wanted.chunked(500) {
            struct Row: Decodable { let seq: Int64; let hash: String }
            for row in try await store.read({ db in
                try await db.raw("SELECT seq, hash FROM audit_log WHERE seq IN (\(binds: Array(chunk)))").all(decoding: Row.self)
            }) { stored[row.seq] = row.hash }
        }
        let last = chain.checked > 0 ? (try await head()?.seq ?? 0) : 0
        for checkpoint in genuine.sorted(by: { $0.seq < $1.seq }) {
            if let hash = stored[checkpoint.seq] {
                if hash != checkpoint.hash {
                    problems.append(AuditProblem(kind: .rewritten, seq: checkpoint.seq,
                                                 message: "row differs from the checkpoint signed at \(checkpoint.at): the chain was re-hashed / 与签名检查点不符：链被重算"))
                }
            } else if checkpoint.seq > last {
                problems.append(AuditProblem(kind: .truncated, seq: checkpoint.seq,
                                             message: "the chain ends at \(last) but a checkpoint signed row \(checkpoint.seq): its tail was deleted / 链尾被删除"))
            } else {
                problems.append(AuditProblem(kind: .deleted, seq: checkpoint.seq, message: "the row a checkpoint signed is missing / 检查点所签记录缺失"))
            }
        }
        return AuditVerification(checked: chain.checked, problems: problems, headHash: chain.headHash, checkpoints: genuine.count,
                                 anchoredAt: genuine.map(\.seq).max())
    }
}
