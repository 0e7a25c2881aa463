/// The transforms a table may name. Their arithmetic lives with the conversion pipeline; the
/// table layer only needs to know which names exist and which slots each one takes.
public enum TransformCatalog {
    public static let known: Set<String> = [
        "identity",
        // Caffe BatchNorm (mean·s, var·s, s) + Scale (gamma, beta) → affine weight/bias, using the layer's eps.
        "caffe_batchnorm",
        // Detectron/torchvision background-first predictors ↔ detectron2/mmdet background-last.
        "background_last", "drop_background_box_rows", "drop_background_mask_channel",
    ]
}
