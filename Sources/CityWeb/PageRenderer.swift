// CityWeb: the server-rendered pages (mustache templates) and their static CSS and JavaScript.
// Pages show Chinese labels first, English second. No build step: files are served as written.
import Foundation
import Mustache

/// Renders the platform's pages from the bundled mustache templates.
public struct PageRenderer: Sendable {
    let library: MustacheLibrary

    /// Loads every template in the bundle.
    public static func load() async throws -> PageRenderer {
        guard let directory = Bundle.module.resourceURL?.appendingPathComponent("Templates").path else {
            throw CocoaError(.fileNoSuchFile)
        }
        return PageRenderer(library: try await MustacheLibrary(directory: directory))
    }

    /// Renders a page; the template's name without extension.
    public func render(_ template: String, _ values: [String: Any]) -> String {
        library.render(values, withTemplate: template) ?? "<!doctype html><title>CityHub</title><p>page \(template) missing</p>"
    }

    /// The folder of static files (CSS, JS) served under `/static/`.
    public static var staticDirectory: String {
        Bundle.module.resourceURL?.appendingPathComponent("Static").path ?? "Static"
    }
}
