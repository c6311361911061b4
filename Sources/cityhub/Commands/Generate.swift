import ArgumentParser
import CityApp
import Foundation
import Licences
import Registry

/// `cityhub generate persons --count N --out FILE`: synthetic residents to try the city's scale.
struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "generate", abstract: "Write synthetic demo data files.",
                                                    subcommands: [GeneratePersons.self, GenerateEntities.self, GenerateCases.self, GenerateLicences.self])
}

struct GeneratePersons: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "persons",
        abstract: "Write synthetic residents as a persons CSV (valid ID numbers, surnames by frequency, counties by population) for `cityhub import persons`.")
    @Option(name: .long, help: "How many residents (the reference city has about 9,000,000).") var count: Int
    @Option(name: .long, help: "The CSV file to write.") var out: String
    @Option(name: .long, help: "Seed: the same seed writes the same file.") var seed: UInt64 = 2026

    func validate() throws {
        guard (1...20_000_000).contains(count) else { throw ValidationError("--count must be 1 to 20000000") }
    }

    func run() async throws {
        var generator = PersonGenerator(seed: seed)
        let today = Date()
        try writeLines(count: count, header: PersonRow.columns.joined(separator: ","), to: out) { generator.nextCSVLine(today: today) }
        FileHandle.standardError.write(Data("Wrote \(count) synthetic residents to \(out)\n".utf8))
    }
}

struct GenerateEntities: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "entities",
        abstract: "Write synthetic legal entities as an entities CSV (valid credit codes, representatives among the residents of --representative-seed) for `cityhub import entities`.")
    @Option(name: .long, help: "How many entities (the reference city's registry holds several hundred thousand).") var count: Int
    @Option(name: .long, help: "The CSV file to write.") var out: String
    @Option(name: .long, help: "Seed: the same seed writes the same file.") var seed: UInt64 = 2026
    @Option(name: .long, help: "The `generate persons --seed` whose residents are the representatives.") var representativeSeed: UInt64 = 2026

    func validate() throws {
        guard (1...5_000_000).contains(count) else { throw ValidationError("--count must be 1 to 5000000") }
    }

    func run() async throws {
        var generator = EntityGenerator(seed: seed, representativeSeed: representativeSeed)
        let today = Date()
        try writeLines(count: count, header: EntityGenerator.header, to: out) { generator.nextCSVLine(today: today) }
        FileHandle.standardError.write(Data("Wrote \(count) synthetic legal entities to \(out)\n".utf8))
    }
}

struct GenerateCases: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cases",
        abstract: "Write synthetic cases into the store (a year of them over every county, category and stage of the loop, marked generated) to try queues and indicators at the city's scale.")
    @OptionGroup var common: CommonOptions
    @Option(name: .long, help: "How many cases (the reference city takes about a million a year).") var count: Int
    @Option(name: .long, help: "Over how many days before now.") var days: Int = 365
    @Option(name: .long, help: "Seed: the same seed writes the same cases.") var seed: UInt64 = 2026

    func validate() throws {
        guard (1...20_000_000).contains(count) else { throw ValidationError("--count must be 1 to 20000000") }
        guard (1...3_650).contains(days) else { throw ValidationError("--days must be 1 to 3650") }
    }

    func run() async throws {
        let started = ContinuousClock.now
        let bar = ProgressBar(enabled: isatty(2) == 1)
        let total = Int64(count)
        let written = try await common.withPlatform(indexGeography: false) { opened, _ in
            // The central district takes more of the city's cases; its city management is the city bureau's.
            let divisions = ReferenceData.counties.enumerated().map { i, county in
                (code: county.code.rawValue, organisation: i == 0 ? "411600-CMB" : "\(county.code)-CMB", weight: i == 0 ? 3.0 : 1.0)
            }
            return try await opened.platform.cases.generate(count: count, divisions: divisions, days: days, seed: seed, by: .commandLine()) { n in
                bar.show(rows: n, done: Int64(n), of: total)
            }
        }
        bar.finish()
        let seconds = Double((ContinuousClock.now - started).components.seconds)
        FileHandle.standardError.write(Data("Wrote \(written) synthetic cases in \(Int(seconds)) s\n".utf8))
    }
}

/// Writes `header` and `count` lines from `next` to `path`, a megabyte at a time.
func writeLines(count: Int, header: String, to path: String, _ next: () -> String) throws {
    guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
        throw ValidationError("cannot write \(path)")
    }
    defer { try? handle.close() }
    var chunk = header + "\n"
    for _ in 0..<count {
        chunk += next()
        chunk += "\n"
        if chunk.utf8.count > 1 << 20 {
            try handle.write(contentsOf: Data(chunk.utf8))
            chunk = ""
        }
    }
    try handle.write(contentsOf: Data(chunk.utf8))
}

struct GenerateLicences: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "licences",
        abstract: "Write sealed business licences for synthetic companies into the store (each a real Ed25519-sealed JWS of the market regulator, marked generated) to try the licence library at the city's scale.")
    @OptionGroup var common: CommonOptions
    @Option(name: .long, help: "How many licences (the reference city has issued 668,603).") var count: Int
    @Option(name: .long, help: "Seed: the same seed writes the same holders.") var seed: UInt64 = 2026

    func validate() throws {
        guard (1...5_000_000).contains(count) else { throw ValidationError("--count must be 1 to 5000000") }
    }

    func run() async throws {
        let start = Date()
        let bar = ProgressBar(enabled: isatty(2) == 1)
        let total = Int64(count)
        let written = try await common.withPlatform(indexGeography: false) { opened, _ in
            let platform = opened.platform
            return try await LicenceGenerator(store: platform.store, clock: platform.clock, seals: platform.seals)
                .generate(count: count, divisions: ReferenceData.counties.map(\.code.rawValue), seed: seed, by: .commandLine()) { n in
                    bar.show(rows: n, done: Int64(n), of: total)
                }
        }
        bar.finish()
        FileHandle.standardError.write(Data("Wrote \(written) sealed licences in \(String(format: "%.1f", Date().timeIntervalSince(start))) s\n".utf8))
    }
}
