import ArgumentParser
import CityStore
import Foundation
import Identity

/// `cityhub import divisions FILE.geojson --source CREDIT`: division boundaries.
struct ImportDivisions: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "divisions",
        abstract: "Import division boundaries from a GeoJSON FeatureCollection (properties adcode, name; optional parent_adcode, label_lon, label_lat).")
    @OptionGroup var common: CommonOptions
    @Argument(help: "The GeoJSON file.") var file: String
    @Option(name: .long, help: "The credit to show with maps drawn from it.") var source: String

    func run() async throws {
        try await common.withPlatform { opened, _ in
            let report = try await opened.platform.divisions.importGeoJSON(try Data(contentsOf: URL(fileURLWithPath: file)), source: source,
                                                                           by: .commandLine(), origin: .commandLine)
            say("Imported \(report.imported) division(s); rejected \(report.rejected.count).")
            for r in report.rejected { say("  feature \(r.feature): \(r.reason)") }
        }
    }
}
