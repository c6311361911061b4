import ArgumentParser
import CityCore
import CityStore
import Foundation
import Licences

extension SealAlgorithm: ExpressibleByArgument {}

/// `cityhub seal root-cert|cert|create|revoke`: the city root and the departments' seals.
struct SealCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "seal", abstract: "The city root certificate and the departments' e-seals.",
                                                    subcommands: [SealRootCert.self, SealCert.self, SealCreate.self, SealRevoke.self, SealSES.self])
}

struct SealRootCert: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "root-cert", abstract: "Print the city root certificate(s), PEM: what offline verifiers trust.")
    @OptionGroup var common: CommonOptions
    @Option(name: .long, help: "Write to this file instead of standard output.") var out: String?

    func run() async throws {
        let pem = try await common.withPlatform(indexGeography: false) { opened, _ in try await opened.platform.seals.rootPEM() }
        try write(pem, to: out)
    }
}

struct SealCert: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cert", abstract: "Print a department's active seal certificate, PEM.")
    @OptionGroup var common: CommonOptions
    @Argument(help: "The organisation code, e.g. 411600-AMR.") var organisation: String
    @Option(name: .long, help: "ed25519, p256 or sm2 (default: the newest active seal).") var alg: SealAlgorithm?
    @Option(name: .long, help: "Write to this file instead of standard output.") var out: String?

    func run() async throws {
        let seals = try await common.withPlatform(indexGeography: false) { opened, _ in
            try await opened.platform.seals.list(organisation: organisation, by: .commandLine())
        }
        guard let seal = seals.first(where: { $0.state == .active && (alg == nil || $0.algorithm == alg) }) else {
            throw ValidationError("\(organisation) 没有可用的电子印章 / \(organisation) has no active seal\(alg.map { " (\($0.rawValue))" } ?? "")")
        }
        try write(seal.certificatePEM, to: out)
    }
}

struct SealCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Make a department's seal (its active seal of that algorithm retires).")
    @OptionGroup var common: CommonOptions
    @Argument(help: "The organisation code, e.g. 411600-AMR.") var organisation: String
    @Option(name: .long, help: "The department's unified social credit code.") var creditCode: String
    @Option(name: .long, help: "ed25519, p256 or sm2.") var alg: SealAlgorithm
    @Option(name: .long, help: "Years the certificate is valid (1 to 10).") var years: Int = 3

    func run() async throws {
        let seal = try await common.withPlatform(indexGeography: false) { opened, _ in
            try await opened.platform.seals.create(NewSeal(organisationCode: organisation, creditCode: creditCode, algorithm: alg, years: years),
                                                   by: .commandLine(), origin: .commandLine)
        }
        say("\(seal.id) \(seal.algorithm.rawValue) serial \(seal.serial) valid until \(seal.notAfter)")
    }
}

struct SealRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a seal: every licence it sealed fails verification.")
    @OptionGroup var common: CommonOptions
    @Argument var id: String
    @Option(name: .long) var reason: String

    func run() async throws {
        let seal = try await common.withPlatform(indexGeography: false) { opened, _ in
            try await opened.platform.seals.revoke(id, reason: reason, by: .commandLine(), origin: .commandLine)
        }
        say("revoked \(seal.id)")
    }
}

struct SealSES: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ses", abstract: "Write an SM2 seal as GB/T 38540's SESeal (DER), signed by the city's seal maker.")
    @OptionGroup var common: CommonOptions
    @Argument(help: "The seal's id (seal-…).") var id: String
    @Option(name: .long, help: "Where to write the DER.") var out: String

    func run() async throws {
        let der = try await common.withPlatform(indexGeography: false) { opened, _ in try await opened.platform.seals.gbSealDER(id) }
        try der.write(to: URL(fileURLWithPath: out))
        say("wrote \(der.count) bytes to \(out)")
    }
}

/// `cityhub licence issue|verify|verify-ses|status-list`.
struct LicenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "licence", abstract: "Issue and verify electronic licences.",
                                                    subcommands: [LicenceIssue.self, LicenceVerify.self, LicenceVerifySES.self, LicenceStatusList.self, LicenceDefineType.self])
}

struct LicenceIssue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "issue", abstract: "Issue and seal a licence; write the sealed licence (compact JWS) to a file.")
    @OptionGroup var common: CommonOptions
    @Option(name: .long, help: "The licence type: business-licence, food-business, real-estate, birth-medical, …") var type: String
    @Option(name: .long, help: "The holder's resident ID number or credit code.") var holder: String
    @Option(name: .long, help: "The holder's name (required for a person; checked against the registry).") var holderName: String?
    @Option(name: .long, help: "A field, NAME=VALUE (repeatable). A legal entity's kind, address and business scope come from the registry when not given.")
    var field: [String] = []
    @Option(name: .long, help: "Last valid day, YYYY-MM-DD (default: the type's term).") var validUntil: String?
    @Option(name: .long, help: "The seal's algorithm: ed25519, p256 or sm2 (SM2 with SM3).") var alg: SealAlgorithm = .ed25519
    @Option(name: .long, help: "Where to write the sealed licence.") var out: String
    @Option(name: .long, help: "With --alg sm2: where to write its GB/T 38540 SES_Signature (DER).") var ses: String?

    func validate() throws {
        if ses != nil, alg != .sm2 { throw ValidationError("--ses 仅用于 --alg sm2 / --ses needs --alg sm2") }
    }

    func run() async throws {
        var fields: [String: String] = [:]
        for pair in field {
            guard let eq = pair.firstIndex(of: "="), eq != pair.startIndex else { throw ValidationError("--field 应为 NAME=VALUE / --field must be NAME=VALUE") }
            fields[String(pair[..<eq])] = String(pair[pair.index(after: eq)...])
        }
        var until: Date? = nil
        if let validUntil {
            guard let day = LicenceType.startOfDay(validUntil) else { throw ValidationError("--valid-until 应为 YYYY-MM-DD / --valid-until must be YYYY-MM-DD") }
            until = day.addingTimeInterval(86_400)
        }
        let application = LicenceApplication(type: type, holderID: holder, holderName: holderName, fields: fields, validUntil: until, algorithm: alg)
        let licence = try await common.withPlatform(indexGeography: false) { opened, _ in
            try await opened.platform.licences.issue(application, by: .commandLine(), origin: .commandLine)
        }
        try write(licence.jws + "\n", to: out)
        if let ses, let der = licence.sesSignature { try der.write(to: URL(fileURLWithPath: ses)) }
        say("\(licence.number) \(licence.id)")
    }
}

struct LicenceVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify",
        abstract: "Verify a sealed licence offline: with the root certificate (and a cached status list) only. Exits 1 when it fails, saying why.")
    @Argument(help: "The sealed licence (compact JWS).") var file: String
    @Option(name: .long, help: "The trusted root certificate(s), PEM (from `cityhub seal root-cert` or /api/v1/seals/root.pem).") var root: String
    @Option(name: .long, help: "A status list fetched from /api/v1/licences/status-list (revocations); without it revocation is not checked.") var status: String?
    @Flag(name: .long, help: "Print the verdict as JSON.") var json = false

    func run() async throws {
        let verifier: LicenceVerifier
        do {
            verifier = try LicenceVerifier(rootPEM: try String(contentsOfFile: root, encoding: .utf8))
        } catch {
            throw ValidationError("根证书无法读取 / the root certificate cannot be read: \(root)")
        }
        var list: StatusList? = nil
        if let status {
            do { list = try verifier.statusList(try String(contentsOfFile: status, encoding: .utf8)) } catch let error as LicencesError {
                throw ValidationError("\(error.messageZh) / \(error.messageEn)")
            }
        }
        let token = try String(contentsOfFile: file, encoding: .utf8)
        let now = Date()
        let verdict = verifier.verify(token, status: list, at: now)
        if json {
            var out = verdictJSON(ok: verdict.ok, reason: verdict.reason.rawValue, zh: verdict.messageZh, en: verdict.messageEn)
            if let detail = verdict.detail { out.field("detail", detail) }
            if let claims = verdict.claims { out.field("id", claims.jti); out.field("number", claims.no); out.field("holder", claims.holder.name) }
            if let seal = verdict.seal { out.field("seal", seal.organisation); out.field("algorithm", seal.algorithm.rawValue) }
            if let list { out.field("statusAsOf", ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(list.iat)))) }
            out.endObject()
            say(out.text)
        } else {
            say("\(verdict.ok ? "有效 VALID" : "无效 INVALID (\(verdict.reason.rawValue))"): \(verdict.messageZh) / \(verdict.messageEn)")
            if let claims = verdict.claims { say("\(claims.typeName) \(claims.no) \(claims.jti) — \(claims.holder.name), \(claims.issuerName)") }
            if let list {
                let asOf = Date(timeIntervalSince1970: TimeInterval(list.iat))
                say("状态列表 status list as of \(ISO8601DateFormatter().string(from: asOf))\(Int64(now.timeIntervalSince1970) > list.nextUpdate ? "（已过期，请更新 / stale: fetch a new one）" : "")")
            } else {
                say("未检查吊销状态 / revocation not checked (no --status)")
            }
        }
        if !verdict.ok { throw ExitCode(1) }
    }
}

struct LicenceVerifySES: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify-ses",
        abstract: "Verify a GB/T 38540 SES_Signature (DER) offline with the root certificate only; with --licence, that it seals that licence. Exits 1 when it fails, saying why.")
    @Argument(help: "The SES_Signature, DER.") var file: String
    @Option(name: .long, help: "The trusted root certificate(s), PEM.") var root: String
    @Option(name: .long, help: "The sealed licence (compact JWS) it was written for.") var licence: String?
    @Option(name: .long, help: "A status list from /api/v1/licences/status-list; without it revocation is not checked.") var status: String?
    @Flag(name: .long, help: "Print the verdict as JSON.") var json = false

    func run() async throws {
        let verifier: GBSealVerifier
        let licenceVerifier: LicenceVerifier
        do {
            licenceVerifier = try LicenceVerifier(rootPEM: try String(contentsOfFile: root, encoding: .utf8))
            verifier = try GBSealVerifier(roots: licenceVerifier.roots)
        } catch {
            throw ValidationError("根证书无法读取 / the root certificate cannot be read: \(root)")
        }
        var list: StatusList? = nil
        if let status {
            do { list = try licenceVerifier.statusList(try String(contentsOfFile: status, encoding: .utf8)) } catch let error as LicencesError {
                throw ValidationError("\(error.messageZh) / \(error.messageEn)")
            }
        }
        let der = try Data(contentsOf: URL(fileURLWithPath: file))
        let data = try licence.map { GBSealVerifier.signingInput(of: try String(contentsOfFile: $0, encoding: .utf8)) }
        let verdict = verifier.verify(der, data: data, status: list)
        if json {
            var out = verdictJSON(ok: verdict.ok, reason: verdict.reason.rawValue, zh: verdict.messageZh, en: verdict.messageEn)
            if let v = verdict.sealName { out.field("sealName", v) }
            if let v = verdict.sealID { out.field("sealId", v) }
            if let v = verdict.organisation { out.field("organisation", v) }
            if let v = verdict.property { out.field("property", v) }
            if let v = verdict.detail { out.field("detail", v) }
            out.field("dataChecked", verdict.dataChecked)
            out.endObject()
            say(out.text)
        } else {
            say("\(verdict.ok ? "有效 VALID" : "无效 INVALID (\(verdict.reason.rawValue))"): \(verdict.messageZh) / \(verdict.messageEn)")
            if let name = verdict.sealName { say("\(name) (\(verdict.sealID ?? "")) — \(verdict.property ?? "")") }
            if !verdict.dataChecked { say("未核对原文 / the sealed data was not checked (no --licence)") }
        }
        if !verdict.ok { throw ExitCode(1) }
    }
}

struct LicenceDefineType: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "define-type",
        abstract: "Define or redefine licence types from a JSON file: one definition or an array, in the form GET /api/v1/licences/types answers (with shortCode).")
    @OptionGroup var common: CommonOptions
    @Argument(help: "The JSON file.") var file: String

    func run() async throws {
        let defined = try await common.withPlatform(indexGeography: false) { opened, _ in
            try await opened.platform.licenceTypes.define(file: URL(fileURLWithPath: file), by: .commandLine(), origin: .commandLine)
        }
        for type in defined { say("\(type.code) \(type.name) (\(type.typeCode), issued by \(type.issuerCode))") }
    }
}

struct LicenceStatusList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status-list", abstract: "Write the root-sealed status list (revoked seals and licences) for offline verifiers.")
    @OptionGroup var common: CommonOptions
    @Option(name: .long, help: "Write to this file instead of standard output.") var out: String?

    func run() async throws {
        let list = try await common.withPlatform(indexGeography: false) { opened, _ in try await opened.platform.licences.statusList() }
        try write(list + "\n", to: out)
    }
}

/// A verdict's JSON, opened: ok, reason and both messages; the caller adds the rest and closes it.
func verdictJSON(ok: Bool, reason: String, zh: String, en: String) -> JSONWriter {
    var out = JSONWriter(capacity: 512)
    out.beginObject()
    out.field("ok", ok)
    out.field("reason", reason)
    out.field("messageZh", zh)
    out.field("messageEn", en)
    return out
}

/// Writes `text` to `path` (0644), or to standard output when nil.
func write(_ text: String, to path: String?) throws {
    guard let path else { return say(text.hasSuffix("\n") ? String(text.dropLast()) : text) }
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
}
