import WeightPortVocabulary

/// RoI features for one head: from the pyramid with the level rule (FPN) or from res4 at 1/16 (C4).
enum RoIPooling {
    static func pool(_ state: ForwardState, settings: HeadSettings, pooler: HeadSettings.Pooler) throws(LoadError) -> FeatureMap {
        do {
            let levels = settings.minLevel...settings.maxLevel
            let maps = levels.compactMap { state.features[FeatureName.level($0)] }
            if maps.count == levels.count {
                let assignment = try LevelAssignment(rule: settings.levelRule, minLevel: settings.minLevel,
                                                     maxLevel: settings.maxLevel, canonicalScale: settings.canonicalScale,
                                                     canonicalLevel: settings.canonicalLevel)
                let align = try MultiLevelRoIAlign(outputSize: pooler.resolution, samplingRatio: pooler.samplingRatio,
                                                   aligned: settings.roiAlign == .aligned, assignment: assignment)
                return try align.apply(maps, boxes: settings.boxes, pool: state.pool).pooled
            }
            guard let res4 = state.features[FeatureName.stage(2)] else {
                throw LoadError.input(expected: "P\(settings.minLevel)…P\(settings.maxLevel) or res4 to pool RoIs from", found: [])
            }
            let align = try RoIAlign(outputSize: pooler.resolution, spatialScale: 1.0 / 16, samplingRatio: pooler.samplingRatio,
                                     aligned: settings.roiAlign == .aligned)
            return try align.apply(res4, boxes: settings.boxes, pool: state.pool)
        } catch let error as HeadOpError {
            throw .head(error)
        } catch let error as LoadError {
            throw error
        } catch {
            throw .head(.invalidSetting("\(error)"))
        }
    }
}
