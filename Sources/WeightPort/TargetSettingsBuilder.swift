import Foundation
import WeightPortMapping
import WeightPortModels
import WeightPortVocabulary

extension TargetSettings {
    /// Works out, semantic by semantic, what the source computed and spells it with the target
    /// table's `settings:` entries. No convention is named here: the tables say everything.
    struct Builder {
        let table: SettingsTable
        let target: String
        let sourceConvention: String
        var settings: [Setting] = []
        var inexpressible: [String] = []
        var unstated: [String] = []

        init(table: SettingsTable, target: String, sourceConvention: String) {
            self.table = table
            self.target = target
            self.sourceConvention = sourceConvention
        }

        // MARK: Backbone and input

        mutating func backbone(_ source: ConventionSemantics, spec: ArchitectureSpec, strideKnown: Bool,
                               own: ConventionSemantics, swappedInput: Bool) {
            emit(.pool1, .word(spec.stemPool.rawValue), own: own.pool1.map { .word($0.rawValue) },
                 why: "the stem max-pool rounds \(spec.stemPool.rawValue)-style")
            if spec.block == .bottleneck {
                if strideKnown {
                    emit(.strideIn1x1, .flag(spec.strideIn1x1), own: own.strideInFirst1x1.map(SettingValue.flag),
                         why: "the weights were trained with the stride on the \(spec.strideIn1x1 ? "first 1x1" : "3x3") conv")
                } else {
                    unstated.append("stride placement (the source's names do not say it; pass --stride-in-1x1)")
                }
            }
            // The stem conv's input channels were reversed: the weights now expect the other order.
            let channels = source.inputChannels.map { swappedInput ? ($0 == .bgr ? ChannelOrder.rgb : .bgr) : $0 }
            guard let channels else {
                unstated.append("input channel order, pixel mean and std (the source convention declares no input)")
                return
            }
            emit(.inputChannels, .word(channels.rawValue), own: own.inputChannels.map { .word($0.rawValue) },
                 why: "the weights expect \(channels.rawValue) input" + (swappedInput ? " (stem channels reversed on conversion)" : ""))
            // The target feeds pixels at its own scale (0–255 or 0–1): mean and std follow it.
            let targetScale = table.entries[.inputChannels]?.scale[channels.rawValue] ?? own.pixelScale
            guard let sourceScale = source.pixelScale, let targetScale else {
                unstated.append("pixel scale (0-1 or 0-255)")
                return
            }
            let factor = targetScale / sourceScale
            let rescaled = factor == 1 ? "" : " (on the source's 0-\(SettingValue.format(sourceScale)) scale; rescaled to the target's 0-\(SettingValue.format(targetScale)))"
            for (name, values, ownValues) in [(SettingName.pixelMean, source.pixelMean, own.pixelMean), (.pixelStd, source.pixelStd, own.pixelStd)] {
                guard let values else { unstated.append(name.title); continue }
                let ordered = swappedInput ? values.reversed() : values
                emit(name, .numbers(ordered.map { $0 * factor }), own: ownValues.map { .numbers($0) },
                     why: "the weights expect \(name.title) \(SettingValue.numbers(ordered).text)\(rescaled)")
            }
            if let norm = spec.norm.kind == .group ? DeclaredNorm.groupnorm : own.norm {
                emit(.norm, .word(norm.rawValue), own: own.norm.map { .word($0.rawValue) },
                     why: "the written norm tensors are \(norm.rawValue)"
                        + (own.normEps.map { norm.hasStatistics && $0 > 0 ? " with eps \(SettingValue.format($0))" : "" } ?? ""))
            }
        }

        // MARK: Heads

        mutating func heads(_ source: HeadSemantics?, spec: ArchitectureSpec, own: HeadSemantics) {
            let heads = spec.heads
            let hasBox = heads.box != nil || heads.boxPredictor != nil
            guard hasBox || heads.mask != nil || heads.keypoint != nil || heads.rpn != nil else { return }
            guard let source else {
                unstated.append("head semantics (RoIAlign, sampling, level rule: the source convention declares none)")
                return
            }
            let c4 = spec.body == .c4
            if hasBox {
                pooler(source, own, box: true, c4: c4, names: (.boxRoIAlign, .boxSamplingRatio, .boxResolution),
                       source.box, own.box)
                if let predictor = heads.boxPredictor {
                    emit(.boxNumClasses, .number(Double(predictor.classes)), own: nil,
                         why: "the predictor has \(predictor.classes - 1) classes and the background")
                    emit(.boxClassAgnostic, .flag(predictor.isClassAgnostic), own: .flag(false),
                         why: predictor.isClassAgnostic ? "bbox_pred regresses one box for all classes (\(predictor.boxRows) rows)"
                                                        : "bbox_pred regresses one box per class")
                }
            }
            if let mask = heads.mask, present(.maskHead) {
                pooler(source, own, box: false, c4: c4, names: (.maskRoIAlign, .maskSamplingRatio, .maskResolution),
                       source.mask, own.mask)
                if c4 { maskDilation(source, own) }
                let agnostic = mask.classes == 1
                if !agnostic {
                    emit(.maskNumClasses, .number(Double(mask.classes)), own: nil,
                         why: "the mask predictor has \(mask.classes - 1) class channels and the background's")
                }
                emit(.maskClassAgnostic, .flag(agnostic), own: .flag(false),
                     why: agnostic ? "one mask for all classes" : "one mask per class")
            }
            if let keypoint = heads.keypoint, present(.keypointHead) {
                pooler(source, own, box: false, c4: false, names: (.keypointRoIAlign, .keypointSamplingRatio, .keypointResolution),
                       source.keypoint, own.keypoint)
                emit(.keypointCount, .number(Double(keypoint.keypoints)), own: nil,
                     why: "the heatmap predictor has \(keypoint.keypoints) keypoints")
                if let up = source.keypointUpsampling {
                    emit(.keypointUpsampling, .word(up.rawValue), own: own.keypointUpsampling.map { .word($0.rawValue) },
                         why: "the source upsamples heatmaps with \(up == .detectronDeconv ? "a fixed bilinear ConvTranspose" : "interpolate(x2, bilinear)")")
                } else {
                    unstated.append(SettingName.keypointUpsampling.title)
                }
            }
            if spec.body == .fpn, hasBox || heads.mask != nil || heads.keypoint != nil {
                levels(source, own, spec: spec)
            }
            if let rpn = heads.rpn {
                let activation: RPNActivation = rpn.logitsPerAnchor == 2 ? .softmax : source.rpnActivation ?? .sigmoid
                emit(.rpnActivation, .word(activation.rawValue), own: .word((own.rpnActivation ?? .sigmoid).rawValue),
                     why: "the RPN's objectness is a \(activation.rawValue) over \(rpn.logitsPerAnchor) logit(s) per anchor")
            }
        }

        /// False (with the reason recorded) when the target has no such head at all.
        mutating func present(_ head: SettingName) -> Bool {
            guard let entry = table.entries[head], let cannot = entry.cannot else { return true }
            inexpressible.append("\(head.title): \(cannot)")
            return false
        }

        /// One head's RoIAlign: variant, sampling ratio and output size (C4 pooling is on res4:
        /// the box head's `heads.c4`, the mask branch's `heads.c4_mask`, else the box head's).
        mutating func pooler(_ source: HeadSemantics, _ own: HeadSemantics, box: Bool, c4: Bool,
                             names: (SettingName, SettingName, SettingName), _ pooler: HeadSemantics.Pooler?,
                             _ ownPooler: HeadSemantics.Pooler?) {
            // A C4 mask head that reuses the box head's pooler has none of its own to set: fine
            // where the source's mask branch pools as its box head does, inexpressible otherwise.
            if c4, !box, [names.0, names.1, names.2].contains(where: { table.entries[$0]?.c4SharesBoxPooler == true }) {
                if let mask = source.c4MaskPooler, let box = source.c4, mask != box {
                    inexpressible.append("C4 mask RoIAlign sampling ratio \(mask.samplingRatio), output size \(mask.resolution): "
                        + "\(target)'s C4 mask branch pools with the box head's pooler (sampling ratio \(box.samplingRatio), output size \(box.resolution) in the source)")
                }
                return
            }
            let wanted = c4 ? (box ? source.c4 : source.c4MaskPooler) : pooler
            let ownValue = c4 ? (box ? own.c4 : own.c4MaskPooler) : ownPooler
            if let variant = source.roiAlign {
                emit(names.0, .word(variant.rawValue), own: own.roiAlign.map { .word($0.rawValue) },
                     why: variant == .legacy ? "the source's RoIAlign is legacy (roi_start = x1*scale, RoIs at least 1x1)"
                                             : "the source's RoIAlign is aligned (half-pixel shift, no minimum size)")
            } else {
                unstated.append(names.0.title)
            }
            guard let wanted else { unstated.append(names.1.title + " and output size"); return }
            emit(names.1, .number(Double(wanted.samplingRatio)), own: ownValue.map { .number(Double($0.samplingRatio)) },
                 why: wanted.samplingRatio > 0 ? "the source samples \(wanted.samplingRatio)x\(wanted.samplingRatio) points per bin"
                                               : "the source samples adaptively (ceil(roi / size) points per bin)")
            emit(names.2, .number(Double(wanted.resolution)), own: ownValue.map { .number(Double($0.resolution)) },
                 why: "the source pools \(wanted.resolution)x\(wanted.resolution)" + (c4 ? " on res4" : ""))
        }

        /// A C4 mask branch's res5 dilation (`heads.mask_dilation`): 1 runs res5 as built (stride 2
        /// in its first block); another dilates every 3x3 and drops the stride.
        mutating func maskDilation(_ source: HeadSemantics, _ own: HeadSemantics) {
            guard let dilation = source.maskDilation else { unstated.append(SettingName.maskDilation.title); return }
            emit(.maskDilation, .number(Double(dilation)), own: own.maskDilation.map { .number(Double($0)) },
                 why: dilation == 1 ? "the source's C4 mask branch runs res5 undilated (stride 2 in its first block)"
                                    : "the source's C4 mask branch runs res5 with every 3x3 dilated by \(dilation) and no stride")
        }

        /// The FPN level rule and its constants, the canonical size rescaled to the level the
        /// target's key refers to (mmdet's `finest_scale` is 224 / 2^(4-2) = 56).
        mutating func levels(_ source: HeadSemantics, _ own: HeadSemantics, spec: ArchitectureSpec) {
            if let rule = source.levelRule {
                emit(.levelRule, .word(rule.rawValue), own: own.levelRule.map { .word($0.rawValue) },
                     why: "the source assigns boxes to levels by the \(rule.rawValue) rule")
            } else {
                unstated.append(SettingName.levelRule.title)
            }
            guard let scale = source.canonicalScale else { unstated.append(SettingName.canonicalScale.title); return }
            let sourceLevel = Double(source.canonicalLevel ?? (source.levelRule == .mmdet ? 2 : 4))
            let ownLevel = Double(own.canonicalLevel ?? (own.levelRule == .mmdet ? 2 : 4))
            let entry = table.entries[.canonicalScale]
            let level = Double(entry?.atLevel ?? 4)
            let at = { (s: Double, from: Double) in s * pow2(level - from) }
            emit(.canonicalScale, .number(at(scale, sourceLevel)), own: own.canonicalScale.map { .number(at($0, ownLevel)) },
                 why: "a \(SettingValue.format(at(scale, sourceLevel)))-pixel box maps to P\(Int(level)) in the source",
                 extraKeys: extraKeys(entry, spec))
            if entry?.atLevel == nil {
                emit(.canonicalLevel, .number(level), own: .number(level), why: "the canonical size above refers to P\(Int(level))",
                     extraKeys: extraKeys(table.entries[.canonicalLevel], spec))
            }
        }

        func extraKeys(_ entry: SettingsTable.Entry?, _ spec: ArchitectureSpec) -> [String] {
            [spec.heads.mask != nil ? entry?.maskKey : nil, spec.heads.keypoint != nil ? entry?.keypointKey : nil].compactMap { $0 }
        }

        // MARK: Spelling

        /// Records the setting for `name`, or why the target cannot express `value`. `own` is what
        /// the target computes when not told (nil: not known).
        mutating func emit(_ name: SettingName, _ value: SettingValue, own: SettingValue?, why: String, extraKeys: [String] = []) {
            guard let entry = table.entries[name] else {
                if let own, own != value {
                    inexpressible.append("\(name.title) = \(value.text): \(target) computes \(own.text), and its table names no setting for it")
                }
                return
            }
            guard let key = entry.key else {
                if own != value {
                    inexpressible.append("\(name.title) = \(value.text): " + (entry.cannot ?? "\(target) has no setting for it"))
                }
                return
            }
            guard let spelled = spell(value, name, entry) else {
                inexpressible.append("\(name.title) = \(value.text): " + (entry.cannot ?? "no value of \(key) spells it"))
                return
            }
            let ownSpelled = entry.defaultValue ?? own.flatMap { spell($0, name, entry) }
            let text = why + (entry.note.map { "; " + $0 } ?? "")
            for key in [key] + extraKeys {
                settings.append(Setting(key: key, value: spelled, why: text, targetDefault: ownSpelled))
            }
        }

        func spell(_ value: SettingValue, _ name: SettingName, _ entry: SettingsTable.Entry) -> String? {
            switch value {
            case .word(let word): return entry.values[word]
            case .number(var x):
                // Counts that include the background (K+1), spelt K where the framework counts without it.
                if entry.countsBackground == false { x -= 1 }
                return (entry.format ?? "{}").replacingOccurrences(of: "{}", with: SettingValue.format(x))
            case .numbers(let xs):
                let list = xs.map(SettingValue.format).joined(separator: ", ")
                return (entry.format ?? "[{}]").replacingOccurrences(of: "{}", with: list)
            }
        }
    }
}

/// 2^x for the small integral exponents of FPN levels.
private func pow2(_ x: Double) -> Double {
    x >= 0 ? Double(1 << Int(x)) : 1 / Double(1 << Int(-x))
}
