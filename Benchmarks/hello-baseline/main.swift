// The bench baseline: a bare Hummingbird server with one hello-world route and no middleware,
// run beside CityHub by scripts/bench so each CityHub figure has a same-machine, same-client peer.
import Hummingbird

let port = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 8089
let router = Router()
router.get("/hello") { _, _ in "hello" }
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "baseline"))
try await app.runService()
