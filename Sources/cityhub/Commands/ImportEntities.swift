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
    @Option(name: .long, help: "The sending department: market-regulation, civil-affairs, hrss, or its organisation code (411600-AMR).")
    var source: String
    @OptionGroup var input: RegistryFileOptions

    func validate() throws {
        guard EntitySource(department: source) != nil else {
            throw ValidationError("--source \(source) is not a department that sends legal entities (market-regulation, civil-affairs, hrss, or e.g. 411600-AMR)")
        }
    }

    func run() async throws {
        let source = EntitySource(department: source)!
        try await runImport(common: common, input: input) { opened, progress in
            try await EntityImporter(registry: opened.platform.entities, clock: opened.platform.clock, batchSize: input.batchSize)
                .run(path: input.file, source: source, rejectsPath: input.rejects, by: .commandLine(), audit: .commandLine, progress: progress)
        }
    }
}

