import ArgumentParser
import CityCore
import CityStore
import Foundation
import Identity
import Registry

/// `cityhub import entities FILE --source DEPT`: a source department's legal-entity records.
struct ImportEntities: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "entities",
        abstract: "Import a department's legal-entity records (CSV with a header, or .ndjson): credit_code,name,kind,legal_rep_id_number,address,division_code,status[,status_date,business_scope].",
        discussion: """
            Rows are checked one by one (credit code check character, the representative's ID number, kind, \
            status and its date, division within the city); bad rows are reported by line and skipped, good rows kept. Batches commit \
            as they go: a re-run of the same file changes nothing, and a run interrupted halfway can simply run again.
            """)
    @OptionGroup var common: CommonOptions
    @Argument(help: "The CSV or NDJSON (.ndjson, .jsonl) file, UTF-8.") var file: String
    @Option(name: .long, help: "The sending department: market-regulation, civil-affairs, hrss, or its organisation code (411600-AMR).")
    var source: String
    @Option(name: .long, help: "Write each rejected row with its line number and reasons to this CSV file.") var rejects: String?
    @Flag(name: .long, help: "End with one JSON line: {\"read\",\"imported\",\"updated\",\"unchanged\",\"rejected\"}.") var json = false
    @Option(name: .long, help: "Rows per transaction.") var batchSize = 5_000

    func validate() throws {
        guard EntitySource(department: source) != nil else {
            throw ValidationError("--source \(source) is not a department that sends legal entities (market-regulation, civil-affairs, hrss, or e.g. 411600-AMR)")
        }
        guard (1...50_000).contains(batchSize) else { throw ValidationError("--batch-size must be 1 to 50000") }
    }

    func run() async throws {
        let source = EntitySource(department: source)!
        let bar = ProgressBar(enabled: isatty(2) == 1)
        let summary = try await common.withPlatform { opened, _ in
            let importer = EntityImporter(registry: opened.platform.entities, clock: opened.platform.clock, batchSize: batchSize)
            do {
                return try await importer.run(path: file, source: source, rejectsPath: rejects, by: .commandLine(), audit: .commandLine) { bar.show($0) }
            } catch let error as ImportFileError {
                throw ValidationError(error.description)
            }
        }
        bar.finish()
        let seconds = bar.elapsed
        var line = "Read \(summary.read) rows: \(summary.imported) imported, \(summary.updated) updated, \(summary.unchanged) unchanged, \(summary.rejected) rejected"
        line += String(format: " in %.1f s (%.0f rows/s).", seconds, Double(summary.read) / max(seconds, 0.001))
        if summary.rejected > 0, let rejects { line += " Rejected rows with their reasons: \(rejects)" }
        FileHandle.standardError.write(Data((line + "\n").utf8))
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(summary), as: UTF8.self))
        }
    }
}

