import EcomModel
import Foundation

extension Catalog {
    /// Writes `users.ndjson`, `products.ndjson` and `cities.ndjson` into `directory` (created if missing),
    /// so referential checks can run on files alone.
    public func write(to directory: String) throws(GenerationError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .io(path: directory, reason: "cannot create the directory (\(error.localizedDescription))")
        }
        try writeFile("\(directory)/users.ndjson", count: users.count) { index, b in
            let user = users[index]
            let city = cities[user.homeCity]
            b.append("{\"user_id\":"); b.appendID("user_", UInt64(index + 1), digits: userDigits)
            b.append(",\"user_type\":\""); b.append(Array(user.type.rawValue.utf8))
            b.append(user.isActive ? "\",\"is_active\":true" : "\",\"is_active\":false")
            b.append(",\"home_city\":"); b.appendJSONString(city.name)
            b.append(",\"country\":"); b.appendJSONString(city.country)
            b.append(",\"region\":"); b.appendJSONString(city.region.rawValue)
            b.append(",\"timezone\":"); b.appendJSONString(city.timeZone)
            b.append(",\"age_group\":\""); b.append(Array(user.ageGroup.rawValue.utf8)); b.append(UInt8(ascii: "\""))
            b.append(",\"signup_date\":"); b.appendQuotedTimestamp(user.signupDate.milliseconds)
            b.append(",\"preferred_categories\":[")
            for (position, category) in user.preferredCategories.enumerated() {
                if position > 0 { b.append(UInt8(ascii: ",")) }
                b.appendJSONString(config.categories[category])
            }
            b.append("],\"devices\":[")
            for (position, device) in user.devices.enumerated() {
                if position > 0 { b.append(UInt8(ascii: ",")) }
                b.append("{\"device_id\":"); b.appendHexID("dev_", device.id, digits: 12)
                b.append(",\"device_type\":\""); b.append(Array(device.type.rawValue.utf8))
                b.append("\",\"os\":"); b.appendJSONString(device.os)
                b.append(",\"browser\":"); b.appendJSONString(device.browser)
                b.append(",\"screen_resolution\":"); b.appendJSONString(device.screenResolution)
                b.append("}")
            }
            b.append("]}")
        }
        try writeFile("\(directory)/products.ndjson", count: products.count) { index, b in
            let product = products[index]
            b.append("{\"product_id\":"); b.appendID("prod_", UInt64(index + 1), digits: productDigits)
            b.append(",\"name\":"); b.appendJSONString(product.name)
            b.append(",\"category\":"); b.appendJSONString(config.categories[product.category])
            b.append(",\"price\":"); b.appendFixed(product.priceCents, decimals: 2)
            b.append(product.isSeasonal ? ",\"seasonal\":true" : ",\"seasonal\":false")
            b.append(",\"popularity\":"); b.appendFixed(Int64((product.popularity * 1_000_000).rounded()), decimals: 6)
            b.append("}")
        }
        try writeFile("\(directory)/cities.ndjson", count: cities.count) { index, b in
            let city = cities[index]
            b.append("{\"city\":"); b.appendJSONString(city.name)
            b.append(",\"country\":"); b.appendJSONString(city.country)
            b.append(",\"state\":"); b.appendJSONString(city.state)
            b.append(",\"latitude\":"); b.appendFixed(Int64((city.latitude * 10_000).rounded()), decimals: 4)
            b.append(",\"longitude\":"); b.appendFixed(Int64((city.longitude * 10_000).rounded()), decimals: 4)
            b.append(",\"timezone\":"); b.appendJSONString(city.timeZone)
            b.append(",\"region\":"); b.appendJSONString(city.region.rawValue)
            b.append(",\"continent\":"); b.appendJSONString(city.continent)
            b.append("}")
        }
    }

    private func writeFile(_ path: String, count: Int, _ line: (Int, ByteBuffer) -> Void) throws(GenerationError) {
        let sink = try RecordSink(path: path)
        let buffer = ByteBuffer(capacity: 1024)
        for index in 0..<count {
            buffer.removeAll()
            line(index, buffer)
            buffer.append(UInt8(ascii: "\n"))
            try sink.write(buffer.bytes, timestamp: 0)
        }
        _ = try sink.finish()
    }
}
