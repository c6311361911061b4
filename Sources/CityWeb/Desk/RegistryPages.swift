import CityCore
import CityHTTP
import Foundation
import Hummingbird
import Identity
import NIOCore
import Registry

/// The registries in the workbench: a person or legal entity lookup (by ID number or credit
/// code, or by name within scope), masked as the API masks unless the caller holds a grant and
/// asks for plain values, each read audited with the purpose the form states; and the
/// registries' data-quality report for data stewards and auditors. The modules decide who may
/// read what; the pages show their answers and their refusals.
public struct RegistryPages: RouteDomain {
    let persons: PersonRegistry
    let entities: EntityRegistry
    let quality: RegistryQuality
    let renderer: PageRenderer

    public init(platform: Platform, renderer: PageRenderer) {
        persons = platform.persons
        entities = platform.entities
        quality = platform.quality
        self.renderer = renderer
    }

    public var api: APIFragment { Self.fragment }
    public static let fragment = APIFragment(operations: [
        .init("get", "/desk/registry", id: "deskRegistryLookup",
              summary: "Person and legal entity lookup: kind (persons, entities), q (an ID number, a credit code, or the start of a name), purpose (required), plain (a grant holder's plain values)",
              tag: "web", access: .open, success: (200, nil, APIFragment.html),
              pageAnswers: [DeskAPI.noSession, (400, "the number or the query at fault"), (403, "the role reads no personal data, or holds no grant for plain values"),
                            (404, "no such person or entity within scope")]),
        .init("get", "/desk/quality", id: "deskQualityReport",
              summary: "The registries' data-quality report (persons or entities: completeness per source, validity, duplicates, conflicts) for data stewards and auditors",
              tag: "web", access: .open, success: (200, nil, APIFragment.html), pageAnswers: [DeskAPI.noSession, (403, "the role may not read the report")]),
    ])

    public func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/desk/registry", use: lookup)
        router.get("/desk/quality", use: report)
    }

    @Sendable func lookup(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = DeskPages.staff(context) else { return DeskPages.toLogin }
        let query = request.uri.queryParameters
        let kind = query["kind"] == "entities" ? "entities" : "persons"
        let q = query["q"].map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
        let purpose = query["purpose"].map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
        let plain = query["plain"] == "1"
        var values = DeskPages.frame(principal, context: context, title: "基础库查询")
        values["kind"] = kind
        values["persons"] = kind == "persons"
        values["q"] = q
        values["asked"] = !q.isEmpty
        values["purpose"] = purpose
        values["plain"] = plain
        values["grant"] = try await persons.allowsPlain(principal, resource: kind)
        var failure: (any CityError)?
        if !q.isEmpty {
            let view: PersonView = plain ? .plain : .masked
            var origin = context.auditOrigin
            origin.purpose = purpose.isEmpty ? nil : String(purpose.prefix(200))
            do {
                guard !purpose.isEmpty else {
                    throw WebFormError.field("purpose", zh: "请填写查询事由，每次查询都连同事由记入审计日志", en: "State the purpose: every lookup is audited with it")
                }
                if kind == "persons" {
                    let rows: [PersonRecord]
                    if q.count == 18, q.first?.isNumber == true {
                        do {
                            rows = [try await persons.person(try ResidentID.checked(q), view: view, by: principal, origin: origin)]
                        } catch let problem as ResidentID.Problem {
                            throw WebFormError.field("q", zh: "身份证号码无效：\(problem.messageZh)", en: "Not a valid ID number: \(problem.messageEn)")
                        }
                    } else {
                        rows = try await persons.search(name: q, prefix: true, page: PageRequest(limit: 20, offset: 0), view: view, by: principal, origin: origin).items
                    }
                    values["people"] = rows.map { p -> [String: Any] in
                        ["idNumber": p.idNumber, "name": p.name ?? "", "sex": p.sex.rawValue, "birthDate": p.birthDate, "phone": p.phone ?? "",
                         "address": p.address ?? "", "division": p.divisionCode, "sources": p.sources.map(\.rawValue).joined(separator: "、"),
                         "conflicts": p.provenance.filter { !$0.value.disagreeing.isEmpty }.map { "\($0.key)：\($0.value.disagreeing.map(\.rawValue).joined(separator: "、"))" }.sorted().joined(separator: "；")]
                    }
                    values["found"] = rows.count
                } else {
                    let rows: [EntityRecord]
                    if q.count == 18, let code = CreditCode(q) {
                        rows = [try await entities.entity(code, view: view, by: principal, origin: origin)]
                    } else {
                        rows = try await entities.search(name: q, prefix: true, page: PageRequest(limit: 20, offset: 0), view: view, by: principal, origin: origin).items
                    }
                    values["organisations"] = rows.map { e -> [String: Any] in
                        ["creditCode": e.creditCode, "name": e.name, "kind": e.kind, "legalRep": e.legalRepIdNumber ?? "", "address": e.address ?? "",
                         "division": e.divisionCode, "status": e.status.rawValue, "elsewhere": e.registeredElsewhere,
                         "sources": e.sources.map(\.rawValue).joined(separator: "、")]
                    }
                    values["found"] = rows.count
                }
                values["masked"] = !plain
            } catch let error as any CityError {
                values["error"] = ["messageZh": error.messageZh, "messageEn": error.messageEn]
                failure = error
            }
        }
        return try DeskPages.answer(DeskPages.html(renderer.render("desk-registry", values)), failure: failure)
    }

    @Sendable func report(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let principal = DeskPages.staff(context) else { return DeskPages.toLogin }
        let registry = request.uri.queryParameters["registry"] == "entities" ? RegistryName.entities : .persons
        var values = DeskPages.frame(principal, context: context, title: "数据质量")
        values["persons"] = registry == .persons
        var failure: (any CityError)?
        do {
            let answer = try await quality.report(registry, refresh: request.uri.queryParameters["refresh"] == "1", by: principal, origin: context.auditOrigin)
            values["refreshing"] = answer.refreshing
            if let r = answer.report {
                let fields = Array(Set(r.sources.flatMap { $0.completeness.keys })).sorted()
                values["report"] = [
                    "total": r.total, "scope": r.scope.rawValue, "generatedAt": DeskViews.time(r.generatedAt, year: true), "durationMs": r.durationMs,
                    "fields": fields.map { ["name": $0] },
                    "sources": r.sources.map { s -> [String: Any] in
                        ["source": s.source, "records": s.records,
                         "cells": fields.map { f -> [String: Any] in
                             let share = s.completeness[f]
                             return ["value": share.map { String(format: "%.1f%%", $0 * 100) } ?? "—", "low": (share ?? 1) < 0.9]
                         }]
                    },
                    "validity": r.validity.map { ["zh": $0.zh, "en": $0.en, "count": $0.count, "code": $0.code] },
                    "duplicates": r.duplicates.map { ["zh": $0.zh, "en": $0.en, "count": $0.count, "groups": $0.groups ?? 0] },
                    "conflicts": r.conflicts.map { ["field": $0.field, "records": $0.records,
                                                    "bySource": $0.bySource.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: "，")] },
                ] as [String: Any]
            }
        } catch let error as any CityError {
            values["error"] = ["messageZh": error.messageZh, "messageEn": error.messageEn]
            failure = error
        }
        return try DeskPages.answer(DeskPages.html(renderer.render("desk-quality", values)), failure: failure)
    }
}
