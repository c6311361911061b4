import ArgumentParser
import Foundation
import Registry

/// `cityhub generate persons --count N --out FILE`: synthetic residents to try the city's scale.
struct Generate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "generate", abstract: "Write synthetic demo data files.",
                                                    subcommands: [GeneratePersons.self, GenerateEntities.self])
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
        guard FileManager.default.createFile(atPath: out, contents: nil), let handle = FileHandle(forWritingAtPath: out) else {
            throw ValidationError("cannot write \(out)")
        }
        defer { try? handle.close() }
        var generator = PersonGenerator(seed: seed)
        let today = Date()
        var chunk = "id_number,name,sex,birth_date,phone,address,division_code\n"
        for _ in 0..<count {
            chunk += generator.nextCSVLine(today: today)
            chunk += "\n"
            if chunk.utf8.count > 1 << 20 {
                try handle.write(contentsOf: Data(chunk.utf8))
                chunk = ""
            }
        }
        try handle.write(contentsOf: Data(chunk.utf8))
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
        guard FileManager.default.createFile(atPath: out, contents: nil), let handle = FileHandle(forWritingAtPath: out) else {
            throw ValidationError("cannot write \(out)")
        }
        defer { try? handle.close() }
        var generator = EntityGenerator(seed: seed, representativeSeed: representativeSeed)
        let today = Date()
        var chunk = EntityGenerator.header + "\n"
        for _ in 0..<count {
            chunk += generator.nextCSVLine(today: today)
            chunk += "\n"
            if chunk.utf8.count > 1 << 20 {
                try handle.write(contentsOf: Data(chunk.utf8))
                chunk = ""
            }
        }
        try handle.write(contentsOf: Data(chunk.utf8))
        FileHandle.standardError.write(Data("Wrote \(count) synthetic legal entities to \(out)\n".utf8))
    }
}
