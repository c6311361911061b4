import ArgumentParser
import CityApp
import CityCore
import CityStore
import Foundation
import Identity
import Registry

/// `cityhub import persons FILE --source DEPT`: a source department's person records.
struct ImportPersons: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "persons",
        abstract: "Import a department's person records (CSV with a header, or .ndjson): id_number,name,sex,birth_date,phone,address,division_code.",
        discussion: """
            Rows are checked one by one (ID number check character and birth date, contradictions with the number, \
            phone, division within the city); bad rows are reported by line and skipped, good rows kept. Batches commit \
            as they go: a re-run of the same file changes nothing, and a run interrupted halfway can simply run again.
            """)
    @OptionGroup var common: CommonOptions
    @Option(name: .long, help: "The sending department: public-security, civil-affairs, health, hrss, or its organisation code (411600-PSB).")
    var source: String
    @OptionGroup var input: RegistryFileOptions

    func validate() throws {
        guard PersonSource(department: source) != nil else {
            throw ValidationError("--source \(source) is not a department that sends persons (public-security, civil-affairs, health, hrss, or e.g. 411600-PSB)")
        }
    }

    func run() async throws {
        let source = PersonSource(department: source)!
        try await runImport(common: common, input: input) { opened, progress in
            try await PersonImporter(registry: opened.platform.persons, clock: opened.platform.clock, batchSize: input.batchSize)
                .run(path: input.file, source: source, rejectsPath: input.rejects, by: .commandLine(), audit: .commandLine, progress: progress)
        }
    }
}

/// The file options every registry import takes.
struct RegistryFileOptions: ParsableArguments {
    @Argument(help: "The CSV or NDJSON (.ndjson, .jsonl) file, UTF-8.") var file: String
    @Option(name: .long, help: "Write each rejected row with its line number and reasons to this CSV file.") var rejects: String?
    @Flag(name: .long, help: "End with one JSON line: {\"read\",\"imported\",\"updated\",\"unchanged\",\"rejected\"}.") var json = false
    @Option(name: .long, help: "Rows per transaction.") var batchSize = 5_000

    func validate() throws {
        guard (1...50_000).contains(batchSize) else { throw ValidationError("--batch-size must be 1 to 50000") }
    }
}

/// Runs a registry file's import with a progress bar on a terminal, prints the closing summary to
/// standard error and, with `json`, the summary as the last line of standard output.
func runImport(common: CommonOptions, input: RegistryFileOptions,
               _ body: @escaping @Sendable (OpenedPlatform, @escaping @Sendable (ImportProgress) -> Void) async throws -> ImportSummary) async throws {
    let (rejects, json) = (input.rejects, input.json)
    let bar = ProgressBar(enabled: isatty(2) == 1)
    let summary = try await common.withPlatform(indexGeography: false) { opened, _ in
        do {
            return try await body(opened) { bar.show($0) }
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

/// A one-line progress bar on a terminal's standard error: rows, rows/s, share of the file, ETA.
final class ProgressBar: @unchecked Sendable {
    private let enabled: Bool
    private let started = ContinuousClock.now
    private let lock = NSLock()
    private var lastShown = ContinuousClock.now - .seconds(1)

    init(enabled: Bool) { self.enabled = enabled }

    var elapsed: Double {
        let d = ContinuousClock.now - started
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    func show(_ p: ImportProgress) {
        show(rows: p.rows, done: p.bytesRead, of: p.fileSize)
    }

    /// `rows` so far, `done` of `total` units of the work (bytes of a file, rows to write).
    func show(rows: Int, done: Int64, of total: Int64) {
        guard enabled else { return }
        lock.withLock {
            guard ContinuousClock.now - lastShown > .milliseconds(200) else { return }
            lastShown = ContinuousClock.now
            let seconds = max(elapsed, 0.001)
            let rate = Double(rows) / seconds
            var text = "\r  \(rows) rows  \(Int(rate)) rows/s"
            if total > 0 {
                let share = Double(done) / Double(total)
                let eta = share > 0 ? seconds * (1 - share) / share : 0
                let width = 24
                let done = Int(share * Double(width))
                text += "  [" + String(repeating: "#", count: done) + String(repeating: ".", count: width - done) + "]"
                text += String(format: " %3.0f%%  ETA %dm%02ds", share * 100, Int(eta) / 60, Int(eta) % 60)
            }
            FileHandle.standardError.write(Data((text + "   ").utf8))
        }
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
