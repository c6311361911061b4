import Cases
import CityCore
import Foundation
import HTTPTypes
import Hummingbird
import Identity
import NIOCore

/// The wall display's data: the picture of the city now (`GET /api/v1/cases/screen`) and the live
/// feed of case changes as server-sent events (`GET /api/v1/cases/feed`), fed from the platform
/// change log. Staff only, within scope; nothing personal in either.
struct ScreenController {
    let cases: CaseDesk
    let feed: CaseFeed

    func addRoutes(to api: RouterGroup<AuthenticatedContext>) {
        api.get("/cases/screen", use: screen)
        api.get("/cases/feed", use: stream)
    }

    @Sendable func screen(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let picture = try await cases.screen(by: context.caller)
        var json = JSONWriter(capacity: 64 * 1024)
        Self.write(picture, into: &json)
        return json.response
    }

    /// `text/event-stream`: `event: case` with the case as JSON and the change-log cursor as its
    /// `id`, a comment every 15 s, and `event: reset` when the reader should read the picture again.
    /// A reader that comes back sends `Last-Event-ID` (browsers do) or `?after=` and first gets
    /// what it missed.
    @Sendable func stream(_ request: Request, context: AuthenticatedContext) async throws -> Response {
        let after = try request.headers[.lastEventID].map { text -> Int64 in
            guard let cursor = Int64(text), cursor >= 0 else { throw RequestProblem.badQuery("Last-Event-ID", zh: "Last-Event-ID 应为游标（非负整数）", en: "Last-Event-ID is a cursor (a non-negative integer)") }
            return cursor
        } ?? request.uri.queryParameters["after"].map { text -> Int64 in
            guard let cursor = Int64(text), cursor >= 0 else { throw RequestProblem.badQuery("after", zh: "after 应为游标（非负整数）", en: "after is a cursor (a non-negative integer)") }
            return cursor
        }
        let items = try await feed.subscribe(after: after, by: context.caller)
        let headers: HTTPFields = [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store", HTTPField.Name("X-Accel-Buffering")!: "no"]
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            // The retry interval, and a first line at once so proxies and browsers open the stream.
            try await writer.write(ByteBuffer(string: "retry: 2000\n: CityHub case feed\n\n"))
            for await item in items {
                switch item {
                case .signal(let signal):
                    var json = JSONWriter(capacity: 512)
                    Self.write(signal, into: &json)
                    try await writer.write(ByteBuffer(string: "id: \(signal.cursor)\nevent: case\ndata: \(json.text)\n\n"))
                case .heartbeat:
                    try await writer.write(ByteBuffer(string: ": beat\n\n"))
                case .reset:
                    try await writer.write(ByteBuffer(string: "event: reset\ndata: {}\n\n"))
                }
            }
            try await writer.finish(nil)
        })
    }

    static func write(_ s: CaseSignal, into json: inout JSONWriter) {
        json.beginObject()
        json.field("number", s.number)
        json.field("divisionCode", s.divisionCode)
        json.field("operation", s.operation)
        json.field("state", s.state)
        json.field("channel", s.channel)
        json.field("categoryCode", s.categoryCode)
        json.field("categoryName", s.categoryName)
        json.field("summary", s.summary)
        json.field("address", s.address)
        if let location = s.location {
            json.key("location")
            json.beginObject()
            json.key("lon"); json.number(location.lon)
            json.key("lat"); json.number(location.lat)
            json.endObject()
        }
        json.field("organisationCode", s.organisationCode)
        json.field("deadlineAt", s.deadlineAt)
        json.field("overdue", s.overdue)
        json.field("at", s.at)
        json.endObject()
    }

    static func write(_ p: ScreenPicture, into json: inout JSONWriter) {
        func counts(_ name: String, _ list: [ScreenPicture.Count]) {
            json.key(name)
            json.beginArray()
            for c in list {
                json.beginObject()
                json.field("key", c.key)
                json.field("name", c.name)
                json.key("count"); json.integer(c.count)
                json.endObject()
            }
            json.endArray()
        }
        func rate(_ name: String, _ value: Double?) {
            json.key(name)
            if let value { json.number(value) } else { json.string(nil) }
        }
        json.beginObject()
        json.field("at", p.at)
        json.key("today"); json.integer(p.today)
        json.key("inProgress"); json.integer(p.inProgress)
        json.key("overdue"); json.integer(p.overdue)
        let t = p.indicators
        json.key("registeredToday"); json.integer(t?.registered ?? 0)
        json.key("closedToday"); json.integer(t?.closed ?? 0)
        rate("closureRate", t?.closureRate)
        rate("onTimeRate", t?.onTimeRate)
        rate("satisfactionRate", t?.satisfactionRate)
        rate("registeredInTimeRate", t?.registeredInTimeRate)
        rate("dispatchedInTimeRate", t?.dispatchedInTimeRate)
        counts("byChannel", p.byChannel)
        counts("byCategory", p.byCategory)
        counts("days", p.days)
        counts("hours", p.hours)
        json.key("ranking")
        json.beginArray()
        for r in p.ranking {
            json.beginObject()
            json.field("organisationCode", r.key)
            json.key("registered"); json.integer(r.registered)
            rate("onTimeRate", r.onTimeRate)
            json.endObject()
        }
        json.endArray()
        json.key("latest")
        json.beginArray()
        for s in p.latest { write(s, into: &json) }
        json.endArray()
        json.key("markers")
        json.beginArray()
        for s in p.markers { write(s, into: &json) }
        json.endArray()
        json.endObject()
    }
}

extension HTTPField.Name {
    /// `Last-Event-ID`: the cursor an EventSource saw last, sent when it reconnects.
    static let lastEventID = Self("Last-Event-ID")!
}
