import ArgumentParser
import CityStore
import Foundation
import Identity
import Registry

/// `cityhub import geography FILE.geojson --kind grids|addresses|cameras`: an operator's geography.
struct ImportGeography: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "geography",
        abstract: "Import grid cells (Polygon), addresses or camera sites (Point) from a GeoJSON FeatureCollection.",
        discussion: """
            Properties: code (required), name, division_code (else the division the feature lies in); grids: worker; \
            addresses: kind (address or poi); cameras: kind (fixed or ptz), owner, stream, online. Bad features are \
            reported by number and skipped, good ones kept; features are keyed by code, so a re-import updates in place \
            and leaves unchanged features alone. Every running server sees the change within a second.
            """)
    @OptionGroup var common: CommonOptions
    @Argument(help: "The GeoJSON file.") var file: String
    @Option(name: .long, help: "grids, addresses or cameras.") var kind: String
    @Option(name: .long, help: "Where the data comes from (kept with every feature).") var source: String?
    @Flag(name: .long, help: "End with one JSON line: {\"read\",\"created\",\"updated\",\"unchanged\",\"rejected\"}.") var json = false

    func validate() throws {
        guard GeographyKind(rawValue: kind) != nil else { throw ValidationError("--kind must be grids, addresses or cameras") }
    }

    func run() async throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        let report = try await common.withPlatform { opened, _ in
            try await opened.platform.geography.importGeoJSON(data, kind: GeographyKind(rawValue: kind)!, source: source ?? URL(fileURLWithPath: file).lastPathComponent,
                                                              by: .commandLine(), origin: .commandLine)
        }
        say("Read \(report.read) features: \(report.created) created, \(report.updated) updated, \(report.unchanged) unchanged, \(report.rejected.count) rejected.")
        for r in report.rejected { say("  feature \(r.feature): \(r.reason)") }
        if json {
            print(#"{"created":\#(report.created),"read":\#(report.read),"rejected":\#(report.rejected.count),"unchanged":\#(report.unchanged),"updated":\#(report.updated)}"#)
        }
    }
}
