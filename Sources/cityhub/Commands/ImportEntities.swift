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
        try await runImport(common: common, file: file, rejects: rejects, json: json) { opened, progress in
            try await EntityImporter(registry: opened.platform.entities, clock: opened.platform.clock, batchSize: batchSize)
                .run(path: file, source: source, rejectsPath: rejects, by: .commandLine(), audit: .commandLine, progress: progress)
        }
    }
}

