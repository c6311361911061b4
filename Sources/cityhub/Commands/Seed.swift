import ArgumentParser
import CityApp
import Identity

/// `cityhub seed`: the reference data again, and optionally a synthetic city of staff.
struct Seed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load the Zhoukou reference data again (idempotent); --scale city adds the reference city's 1,085 organisations and 21,600 staff.")

    enum Scale: String, ExpressibleByArgument, CaseIterable {
        case demo, small, city
        var size: CityScale.Size? {
            switch self {
            case .demo: nil
            case .small: .small
            case .city: .city
            }
        }
    }

    @OptionGroup var common: CommonOptions
    @Option(name: .long, help: "demo (default), small (300 organisations, 2,160 staff) or city (1,085 and 21,600).") var scale: Scale = .demo
    @Option(name: .long, help: "With --scale: one password for every synthetic account (hashed once). Without it they await activation.")
    var staffPassword: String?

    func run() async throws {
        try await common.withPlatform { opened, config in
            let report = try await ReferenceData.seed(platform: opened.parts, adminPassword: config.adminPassword, demoPassword: config.demoPassword,
                                                      demoData: config.seedDemoData)
            printSeed(report)
            guard let size = scale.size else { return }
            let start = ContinuousClock.now
            let result = try await CityScale.load(platform: opened.parts, size: size, staffPassword: staffPassword, hasher: PasswordHasher(cost: config.bcryptCost))
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            say("Scale \(scale.rawValue): \(result.organisations) organisations, \(result.staff) staff accounts (\(result.newStaff) new) in \(String(format: "%.3f", seconds)) s")
        }
    }
}
