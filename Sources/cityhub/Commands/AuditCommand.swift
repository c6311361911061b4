import ArgumentParser
import CityStore
import Foundation

/// `cityhub audit verify|checkpoint`: the hash chain and its signed anchors.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "The audit log.", subcommands: [AuditVerify.self, AuditCheckpointCommand.self])
}

/// Checks the chain, and against the signed checkpoints when there are any; exit 1 naming each break.
struct AuditVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check the hash chain and its signed checkpoints; exit 1 and name each edited, deleted, reordered, truncated or re-hashed row.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let config = try common.configuration(["seed.onFirstStart": "false"])
        let notary = try config.auditNotary()
        let checkpoints = try AuditNotary.read(notary.checkpointFile)
        let result = try await common.withStore { store in
            try await AuditLog(store: store).verify(against: checkpoints, signedBy: notary.publicKey)
        }
        let anchor = result.anchoredAt.map { ", anchored by \(result.checkpoints) signed checkpoint(s) up to seq \($0)" } ?? ", no signed checkpoint yet"
        if result.isIntact {
            say("audit log intact: \(result.checked) entries, head \(result.headHash)\(anchor)")
        } else {
            say("audit log TAMPERED: \(result.problems.count) problem(s) in \(result.checked) entries\(anchor)")
            for p in result.problems { say("  \(p)") }
            throw ExitCode(1)
        }
    }
}

/// Signs the chain's head now (the server also does so at intervals and at shutdown).
struct AuditCheckpointCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "checkpoint", abstract: "Sign the audit chain's head now, into the checkpoint file.")
    @OptionGroup var common: CommonOptions

    func run() async throws {
        let config = try common.configuration(["seed.onFirstStart": "false"])
        let notary = try config.auditNotary()
        let last = try notary.latest()
        let checkpoint = try await common.withStore { store in try await AuditLog(store: store).checkpoint(with: notary, after: last) }
        if let checkpoint {
            say("signed audit checkpoint: seq \(checkpoint.seq), hash \(checkpoint.hash), key \(checkpoint.keyId)")
        } else {
            say("nothing new to sign: the latest checkpoint covers seq \(last?.seq ?? 0)")
        }
    }
}
