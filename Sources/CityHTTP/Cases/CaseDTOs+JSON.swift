import CityCore

// Written by hand (`JSONWritable`): a case answers every intake (the hotline's and the API's),
// every action and every case page, and Foundation's encoder cost about a tenth of an intake's
// server time.

extension CaseDetailDTO: JSONWritable {
    static var jsonCapacity: Int { 2_048 }

    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.key("case")
        item.write(to: &json)
        json.key("timeline")
        json.beginArray()
        for event in timeline { event.write(to: &json) }
        json.endArray()
        json.key("photos")
        json.beginArray()
        for photo in photos { photo.write(to: &json) }
        json.endArray()
        json.key("cameras")
        json.beginArray()
        for camera in cameras { camera.write(to: &json) }
        json.endArray()
        json.endObject()
    }
}

extension CaseDTO: JSONWritable {

    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("number", number)
        json.field("divisionCode", divisionCode)
        json.field("channel", channel)
        json.field("kind", kind)
        json.field("categoryCode", categoryCode)
        json.field("categoryName", categoryName)
        json.field("urgency", urgency)
        json.field("state", state)
        json.field("stateName", stateName)
        json.field("description", description)
        if let location {
            json.key("location")
            json.beginObject()
            json.key("lon")
            json.number(location.lon)
            json.key("lat")
            json.number(location.lat)
            json.endObject()
        }
        json.field("address", address)
        json.field("gridCode", gridCode)
        if let reporter {
            json.key("reporter")
            json.beginObject()
            json.field("name", reporter.name)
            json.field("phone", reporter.phone)
            json.field("idNumber", reporter.idNumber)
            if let registered = reporter.registeredResident { json.field("registeredResident", registered) }
            json.endObject()
        }
        json.field("organisationCode", organisationCode)
        json.field("reportedAt", reportedAt)
        json.field("registeredAt", registeredAt)
        json.field("dispatchedAt", dispatchedAt)
        json.field("acceptedAt", acceptedAt)
        json.field("reportedBackAt", reportedBackAt)
        json.field("closedAt", closedAt)
        json.field("deadlineAt", deadlineAt)
        json.field("warnedAt", warnedAt)
        json.field("overdueAt", overdueAt)
        json.field("escalations", escalations)
        json.field("reworks", reworks)
        json.field("returns", returns)
        json.field("extended", extended)
        if let pendingRequest {
            json.key("pendingRequest")
            json.beginObject()
            json.field("kind", pendingRequest.kind)
            if let limit = pendingRequest.limit {
                json.key("limit")
                json.beginObject()
                json.field("amount", limit.amount)
                json.field("unit", limit.unit)
                json.endObject()
            }
            json.field("reason", pendingRequest.reason)
            json.endObject()
        }
        json.field("mergedInto", mergedInto)
        json.field("handedOffTo", handedOffTo)
        if let callback {
            json.key("callback")
            json.beginObject()
            json.field("at", callback.at)
            json.field("solved", callback.solved)
            json.field("satisfied", callback.satisfied)
            json.endObject()
        }
        json.field("updatedAt", updatedAt)
        json.field("masked", masked)
        json.field("allowedActions", strings: allowedActions)
        json.endObject()
    }
}

extension CaseEventDTO {
    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("seq", seq)
        json.field("at", at)
        json.field("actor", actor)
        json.field("action", action)
        json.field("fromState", fromState)
        json.field("toState", toState)
        json.field("organisationCode", organisationCode)
        json.field("note", note)
        json.endObject()
    }
}

extension CaseAttachmentDTO {
    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("id", id)
        json.field("stage", stage)
        json.field("contentType", contentType)
        json.field("size", size)
        json.field("sha256", sha256)
        json.field("createdAt", createdAt)
        json.endObject()
    }
}

extension NearCameraDTO {
    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.field("code", code)
        json.field("name", name)
        json.field("kind", kind)
        json.field("online", online)
        json.field("metres", metres)
        json.endObject()
    }
}
