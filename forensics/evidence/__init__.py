"""Evidence: what the analyses prove. Typed reasons and exhibits, the likelihood-ratio model,
verdict rules, ranking candidate references, many pairs on forked workers, stored evidence."""

from ._analyze import analyze_responses, default_embed, radioactivity_frame
from ._assess import CANNOT_SEPARATE, assess
from ._calibration import H1_LABELS, SCHEMES, cross_validated_fusion, held_out_groups
from ._fusion import FAMILY_STATISTICS, FEATURES, Fusion, family_features, fit_fusion, source_weights
from ._embeddings import MODEL_ID as EMBEDDING_MODEL
from ._embeddings import Embedder, find_model_dir, hashing_embed
from ._labels import Admission, Labels, load_labels
from ._likelihood import BANDS, LRModel, verbal_scale, wording
from ._panel import pair_features, panel_background, run_attribution, run_population, store_attribution
from ._parallel import analyze_pairs, default_jobs
from ._rank import rank_references
from ._stored import analyze, rank, responses_with_scores, stored_evidence
from ._types import REASON_KINDS, Evidence, Minimums, Reason, Verdict
from ._watermark import (RunKey, WatermarkEvidence, key_for_run, local_spec, model_watermark,
                         radioactivity_scores, radioactivity_table, recorded_watermarks, require_models,
                         tokenizer_spec, watermarked_contexts)
from ._system import FILE_MIN_CONTROLS, CalibratedLR, apply_calibrated, calibrated_lr, file_applies, shipped_calibration
from ._validate import MAIN_KINDS, Validation, fit_panel, labelled_table, validate_panel, validation_pairs
from ._validation_metrics import (apply_elub, cllr, cllr_cal, cllr_min, clopper_pearson_upper, ece, eer,
                                  elub_bounds, misleading_rates, misleading_sources, roc_auc, tippett,
                                  validation_summary)

__all__ = [
    "WatermarkEvidence",
    "radioactivity_frame",
    "radioactivity_scores",
    "RunKey",
    "key_for_run",
    "local_spec",
    "model_watermark",
    "radioactivity_table",
    "recorded_watermarks",
    "require_models",
    "tokenizer_spec",
    "watermarked_contexts",
    "Admission",
    "Labels",
    "Validation",
    "apply_elub",
    "EMBEDDING_MODEL",
    "CalibratedLR",
    "FILE_MIN_CONTROLS",
    "apply_calibrated",
    "calibrated_lr",
    "file_applies",
    "labelled_table",
    "shipped_calibration",
    "FAMILY_STATISTICS",
    "FEATURES",
    "Fusion",
    "SCHEMES",
    "clopper_pearson_upper",
    "cross_validated_fusion",
    "family_features",
    "fit_fusion",
    "fit_panel",
    "held_out_groups",
    "source_weights",
    "misleading_sources",
    "pair_features",
    "run_population",
    "run_attribution",
    "store_attribution",
    "panel_background",
    "cllr",
    "cllr_cal",
    "cllr_min",
    "ece",
    "eer",
    "elub_bounds",
    "load_labels",
    "misleading_rates",
    "roc_auc",
    "tippett",
    "validate_panel",
    "MAIN_KINDS",
    "H1_LABELS",
    "validation_pairs",
    "validation_summary",
    "BANDS",
    "CANNOT_SEPARATE",
    "Embedder",
    "Evidence",
    "LRModel",
    "Minimums",
    "REASON_KINDS",
    "Reason",
    "Verdict",
    "analyze",
    "analyze_pairs",
    "analyze_responses",
    "assess",
    "default_embed",
    "default_jobs",
    "find_model_dir",
    "hashing_embed",
    "rank",
    "rank_references",
    "responses_with_scores",
    "stored_evidence",
    "verbal_scale",
    "wording",
]
