//! The provider rule table: one [`RuleSpec`] per key shape, with the literals every match
//! contains. Uniform on purpose: nothing but rules.

use super::{Check, RuleSpec};

pub(super) const fn rule(
    entity: &'static str,
    anchors: &'static [&'static str],
    pattern: &'static str,
) -> RuleSpec {
    RuleSpec {
        entity,
        anchors,
        pattern,
        group: 0,
        score: 0.95,
        check: Check::None,
        digits_before: 0,
    }
}

pub(super) const fn rule_checked(
    entity: &'static str,
    anchors: &'static [&'static str],
    pattern: &'static str,
    group: usize,
    check: Check,
) -> RuleSpec {
    RuleSpec {
        entity,
        anchors,
        pattern,
        group,
        score: 0.9,
        check,
        digits_before: 0,
    }
}

/// Every provider rule. Each `\b` is compiled as an ASCII word boundary (see
/// [`ascii_word_boundaries`](crate::detectors::ascii_regex::ascii_word_boundaries)).
pub(super) const RULES: &[RuleSpec] = &[
    // Cloud providers.
    rule(
        "AWS_ACCESS_KEY",
        &["AKIA", "ASIA", "ABIA", "ACCA", "A3T"],
        r"\b(?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b",
    ),
    rule_checked(
        "AWS_SECRET_KEY",
        &["aws"],
        r#"(?i)aws[\w.\-]{0,20}(?:secret|private)?[\w.\-]{0,20}(?:key|token)[\w.\-]{0,10}["']?\s*(?:[:=]{1,3}|=>)\s*["'`]?([A-Za-z0-9/+]{40})\b"#,
        1,
        Check::Entropy(3.5),
    ),
    rule(
        "AWS_BEDROCK_KEY",
        &["ABSK", "bedrock-api-key-"],
        r"\bABSK[A-Za-z0-9+/]{109,269}={0,2}|bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t[A-Za-z0-9+/=]*",
    ),
    rule("GCP_API_KEY", &["AIza"], r"\bAIza[0-9A-Za-z_\-]{35}\b"),
    rule(
        "GCP_SERVICE_ACCOUNT",
        &["service_account"],
        r#""type"\s*:\s*"service_account""#,
    ),
    rule(
        "AZURE_STORAGE_KEY",
        &["AccountKey="],
        r"AccountKey=[A-Za-z0-9+/]{86}==|SharedAccessSignature=[^;\s]{20,}",
    ),
    rule(
        "AZURE_CLIENT_SECRET",
        &["Q~"],
        r"(?:^|[\\'`\x22\s>=:(,)])([A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.\-]{31,34})(?:$|[\\'`\x22\s<),])",
    ),
    rule("ALIBABA_ACCESS_KEY", &["LTAI"], r"\bLTAI[A-Za-z0-9]{20}\b"),
    rule(
        "DIGITALOCEAN_TOKEN",
        &["_v1_"],
        r"\bdo[opr]_v1_[a-f0-9]{64}\b",
    ),
    rule(
        "YANDEX_TOKEN",
        &["t1.", "AQVN", "YC"],
        r"\bt1\.[A-Z0-9a-z_\-]+={0,2}\.[A-Z0-9a-z_\-]{86}={0,2}|\bAQVN[A-Za-z0-9_\-]{35,38}\b|\bYC[A-Za-z0-9_\-]{38}\b",
    ),
    // Code hosting and package registries.
    rule(
        "GITHUB_TOKEN",
        &["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"],
        r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{82})\b",
    ),
    rule(
        "GITLAB_TOKEN",
        &[
            "glpat-",
            "glptt-",
            "glrt-",
            "gldt-",
            "glft-",
            "glimt-",
            "glagent-",
            "glsoat-",
            "gloas-",
            "glcbt-",
            "glffct-",
            "glrtr-",
            "GR1348941",
            "_gitlab_session",
        ],
        r"\bgl(?:pat|ptt|rt|dt|ft|imt|agent|soat|oas|cbt|ffct|rtr)-[A-Za-z0-9_\-]{20,}(?:\.[0-9a-z]{2}[0-9a-z]{7})?|\bGR1348941[A-Za-z0-9_\-]{20}\b|_gitlab_session=[0-9a-z]{32}",
    ),
    rule("NPM_TOKEN", &["npm_"], r"\bnpm_[A-Za-z0-9]{36}\b"),
    rule(
        "PYPI_TOKEN",
        &["pypi-"],
        r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,}",
    ),
    rule(
        "RUBYGEMS_TOKEN",
        &["rubygems_"],
        r"\brubygems_[a-f0-9]{48}\b",
    ),
    rule(
        "CLOJARS_TOKEN",
        &["CLOJARS_"],
        r"(?i)\bCLOJARS_[a-z0-9]{60}\b",
    ),
    rule(
        "ARTIFACTORY_TOKEN",
        &["AKCp", "cmVmd"],
        r"\bAKCp[A-Za-z0-9]{69}\b|\bcmVmd[A-Za-z0-9]{59}\b",
    ),
    rule(
        "ATLASSIAN_TOKEN",
        &["ATATT3"],
        r"\bATATT3[A-Za-z0-9_\-=]{186}",
    ),
    // AI providers.
    // Keys with the `T3BlbkFJ` marker, and project, service-account and admin keys by
    // their prefix alone (newer keys do not always carry the marker): 40 or more key
    // characters of real entropy, so that `sk-proj-xxxx…` placeholders do not count.
    RuleSpec {
        entity: "OPENAI_API_KEY",
        anchors: &["T3BlbkFJ", "sk-proj-", "sk-svcacct-", "sk-admin-"],
        pattern: r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{16,}T3BlbkFJ[A-Za-z0-9_\-]{16,}|\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{40,}",
        group: 0,
        score: 0.95,
        check: Check::Entropy(3.5),
        digits_before: 0,
    },
    rule(
        "ANTHROPIC_API_KEY",
        &["sk-ant-"],
        r"\bsk-ant-(?:api03|admin01)-[A-Za-z0-9_\-]{93}AA\b",
    ),
    rule(
        "HUGGINGFACE_TOKEN",
        &["hf_", "api_org_"],
        r"\b(?:hf_[A-Za-z]{34}|api_org_[A-Za-z]{34})\b",
    ),
    rule(
        "PERPLEXITY_API_KEY",
        &["pplx-"],
        r"\bpplx-[A-Za-z0-9]{48}\b",
    ),
    // Messaging and SaaS.
    rule(
        "SLACK_TOKEN",
        &["xox", "xapp-"],
        r"(?i)\bxox[bpeaors]-(?:\d+-){1,3}[A-Za-z0-9\-]{10,}|\bxox[ar]-(?:\d-)?[0-9a-zA-Z]{8,48}\b|\bxoxe\.xox[bp]-\d-[A-Z0-9]{163,166}\b|\bxoxe-\d-[A-Z0-9]{146}\b|\bxapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+\b",
    ),
    rule(
        "SLACK_WEBHOOK",
        &["hooks.slack.com"],
        r"(?i)hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/]{43,56}",
    ),
    rule(
        "TEAMS_WEBHOOK",
        &["webhook.office.com"],
        r"https://[a-z0-9]+\.webhook\.office\.com/webhookb2/[a-z0-9]{8}-(?:[a-z0-9]{4}-){3}[a-z0-9]{12}@[a-z0-9]{8}-(?:[a-z0-9]{4}-){3}[a-z0-9]{12}/IncomingWebhook/[a-z0-9]{32}/[a-z0-9]{8}-(?:[a-z0-9]{4}-){3}[a-z0-9]{12}",
    ),
    rule(
        "STRIPE_KEY",
        &["sk_", "rk_"],
        r"\b[sr]k_(?:test|live|prod)_[A-Za-z0-9]{10,99}\b",
    ),
    rule("TWILIO_API_KEY", &["SK"], r"\bSK[0-9a-fA-F]{32}\b"),
    rule(
        "SENDGRID_API_KEY",
        &["SG."],
        r"\bSG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}\b",
    ),
    rule(
        "SENDINBLUE_API_KEY",
        &["xkeysib-"],
        r"\bxkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}\b",
    ),
    rule(
        "MAILGUN_API_KEY",
        &["key-", "pubkey-"],
        r"\b(?:pub)?key-[a-f0-9]{32}\b",
    ),
    rule("MAILCHIMP_API_KEY", &["-us"], r"\b[a-f0-9]{32}-us\d{1,2}\b"),
    rule(
        "SHOPIFY_TOKEN",
        &["shpat_", "shpca_", "shppa_", "shpss_"],
        r"\bshp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}\b",
    ),
    rule(
        "SQUARE_TOKEN",
        &["EAAA", "sq0"],
        r"\b(?:EAAA|sq0atp-)[A-Za-z0-9_\-]{22,60}\b|\bsq0csp-[A-Za-z0-9_\-]{43}\b",
    ),
    rule(
        "TELEGRAM_BOT_TOKEN",
        &[":A"],
        r"\b\d{5,16}:A[A-Za-z0-9_\-]{34}\b",
    )
    .after_digits(5),
    rule("FACEBOOK_TOKEN", &["EAA"], r"\bEAA[MC][A-Za-z0-9]{100,}\b"),
    rule(
        "TWITTER_BEARER_TOKEN",
        &["AAAAAAAAAAAAAAAAAAAAA"],
        r"\bA{22}[A-Za-z0-9%]{80,100}",
    ),
    rule("DROPBOX_TOKEN", &["sl."], r"\bsl\.[A-Za-z0-9\-=_]{135}"),
    rule("NOTION_TOKEN", &["ntn_"], r"\bntn_\d{11}[A-Za-z0-9]{35}\b"),
    rule(
        "LINEAR_API_KEY",
        &["lin_api_"],
        r"(?i)\blin_api_[a-z0-9]{40}\b",
    ),
    rule(
        "POSTMAN_API_KEY",
        &["PMAK-"],
        r"\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\b",
    ),
    rule(
        "SHIPPO_API_KEY",
        &["shippo_"],
        r"\bshippo_(?:live|test)_[a-fA-F0-9]{40}\b",
    ),
    rule(
        "DUFFEL_API_KEY",
        &["duffel_"],
        r"\bduffel_(?:test|live)_[A-Za-z0-9_\-=]{43}",
    ),
    rule(
        "EASYPOST_API_KEY",
        &["EZAK", "EZTK"],
        r"\bEZ[AT]K[A-Za-z0-9]{54}\b",
    ),
    rule(
        "NEWRELIC_KEY",
        &["NRAK-", "NRII-", "NRJS-"],
        r"\bNRAK-[A-Za-z0-9]{27}\b|\bNRII-[A-Za-z0-9\-]{32}\b|\bNRJS-[a-f0-9]{19}\b",
    ),
    rule(
        "SENTRY_TOKEN",
        &["sntrys_", "sntryu_"],
        r"\bsntrys_eyJpYXQiO[A-Za-z0-9+/=_]{50,}|\bsntryu_[a-f0-9]{64}\b",
    ),
    rule(
        "GRAFANA_TOKEN",
        &["eyJrIjoi", "glc_", "glsa_"],
        r"\beyJrIjoi[A-Za-z0-9]{70,400}={0,3}|\bglc_[A-Za-z0-9+/]{32,400}={0,3}|\bglsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}\b",
    ),
    rule(
        "DATABRICKS_TOKEN",
        &["dapi"],
        r"\bdapi[a-f0-9]{32}(?:-\d)?\b",
    ),
    rule("DOPPLER_TOKEN", &["dp.pt."], r"\bdp\.pt\.[A-Za-z0-9]{43}\b"),
    rule(
        "DYNATRACE_TOKEN",
        &["dt0c01."],
        r"\bdt0c01\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64}\b",
    ),
    rule(
        "FLYIO_TOKEN",
        &["fo1_", "fm1", "fm2_"],
        r"\bfo1_[A-Za-z0-9_\-]{43}\b|\bfm1[ar]_[A-Za-z0-9+/]{100,}={0,3}|\bfm2_[A-Za-z0-9+/]{100,}={0,3}",
    ),
    rule(
        "FRAMEIO_TOKEN",
        &["fio-u-"],
        r"\bfio-u-[A-Za-z0-9_=\-]{64}\b",
    ),
    rule(
        "HARNESS_TOKEN",
        &["pat."],
        r"(?i)\bpat\.[a-z0-9_\-]{22}\.[a-z0-9]{24}\.[a-z0-9]{20}\b",
    ),
    rule(
        "HASHICORP_TF_TOKEN",
        &[".atlasv1."],
        r"(?i)\b[a-z0-9]{14}\.atlasv1\.[a-z0-9\-_=]{60,70}\b",
    ),
    rule(
        "HEROKU_API_KEY",
        &["HRKU-"],
        r"\bHRKU-AA[0-9A-Za-z_\-]{58}\b",
    ),
    rule("INFRACOST_TOKEN", &["ico-"], r"\bico-[A-Za-z0-9]{32}\b"),
    rule(
        "ONEPASSWORD_TOKEN",
        &["ops_eyJ", "A3-"],
        r"\bops_eyJ[A-Za-z0-9+/]{250,}={0,3}|\bA3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}\b",
    ),
    rule(
        "AGE_SECRET_KEY",
        &["AGE-SECRET-KEY-1"],
        r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}",
    ),
    rule(
        "OPENSHIFT_TOKEN",
        &["sha256~"],
        r"\bsha256~[A-Za-z0-9_\-]{43}\b",
    ),
    rule(
        "PLANETSCALE_TOKEN",
        &["pscale_"],
        r"\bpscale_(?:tkn|oauth|pw)_[A-Za-z0-9_=.\-]{32,64}\b",
    ),
    rule("PREFECT_TOKEN", &["pnu_"], r"\bpnu_[A-Za-z0-9]{36}\b"),
    rule("PULUMI_TOKEN", &["pul-"], r"\bpul-[a-f0-9]{40}\b"),
    rule("README_TOKEN", &["rdme_"], r"\brdme_[a-z0-9]{70}\b"),
    rule(
        "SCALINGO_TOKEN",
        &["tk-us-"],
        r"\btk-us-[A-Za-z0-9_\-]{48}\b",
    ),
    rule(
        "SETTLEMINT_TOKEN",
        &["sm_pat_", "sm_aat_", "sm_sat_"],
        r"\bsm_(?:pat|aat|sat)_[A-Za-z0-9]{16}\b",
    ),
    rule(
        "VAULT_TOKEN",
        &["hvs.", "hvb."],
        r"\bhvs\.[A-Za-z0-9_\-]{90,120}\b|\bhvb\.[A-Za-z0-9_\-]{138,300}\b",
    ),
    rule("OCTOPUS_API_KEY", &["API-"], r"\bAPI-[A-Z0-9]{26}\b"),
    rule(
        "LOB_API_KEY",
        &["live_", "test_"],
        r"\b(?:live|test)_(?:pub_)?[a-f0-9]{31,35}\b",
    ),
    rule(
        "MAPBOX_TOKEN",
        &["pk.", "sk."],
        r"\b[ps]k\.[A-Za-z0-9]{60}\.[A-Za-z0-9]{22}\b",
    ),
    rule(
        "INTRA42_SECRET",
        &["s-s4t2"],
        r"\bs-s4t2(?:ud|af)-[a-f0-9]{64}\b",
    ),
    rule(
        "FLUTTERWAVE_KEY",
        &["FLWSECK", "FLWPUBK"],
        r"\bFLW(?:PUBK|SECK)_TEST-[a-h0-9]{12,32}(?:-X)?",
    ),
    rule(
        "CLOUDFLARE_ORIGIN_CA_KEY",
        &["v1.0-"],
        r"\bv1\.0-[a-f0-9]{24}-[a-f0-9]{146}\b",
    ),
    rule(
        "FACEBOOK_TOKEN",
        &["|", "%7C"],
        r"\b\d{15,16}(?:\||%7C)[A-Za-z0-9_\-]{27}\b",
    )
    .after_digits(15),
    rule(
        "SOURCEGRAPH_TOKEN",
        &["sgp_"],
        r"\bsgp_(?:[a-fA-F0-9]{16}_|local_)?[a-fA-F0-9]{40}\b",
    ),
    // Keys and tokens with a structure of their own.
    rule(
        "PRIVATE_KEY",
        &["PRIVATE KEY"],
        r"-----BEGIN[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----(?:\s|\\[nr])*(?:[A-Za-z\-]+:[^\n\\]*(?:\n|\\n))*(?:\s|\\[nr])*[A-Za-z0-9+/=\\\s]{64,}(?:(?s:.)*?-----END[ A-Z0-9_-]{0,40}PRIVATE KEY(?: BLOCK)?-----)?",
    ),
    rule_checked(
        "JWT",
        &["eyJ"],
        r"\beyJ[A-Za-z0-9_\-]{10,}\.eyJ[A-Za-z0-9_\-]{2,}\.[A-Za-z0-9_\-]*",
        0,
        Check::Jwt,
    ),
    // Credentials in context.
    rule_checked(
        "PASSWORD",
        &["://"],
        r"(?i)\b[a-z][a-z0-9+.\-]{1,20}://[^\s:/@'\x22]{1,64}:([^\s@/'\x22]{3,128})@[A-Za-z0-9.\-\[\]]+",
        1,
        Check::Entropy(0.0),
    ),
    rule_checked(
        "PASSWORD",
        &["-u", "--user"],
        r#"(?:\s-u|--user)\s+["']?(?:\{?[^\s:"'{}]*\}?["']?:["']?)\{?([^\s"'{}]{4,128})"#,
        1,
        Check::Password,
    ),
    rule_checked(
        "GENERIC_SECRET",
        &["uthorization"],
        r#"(?i)authorization["']?\s*:\s*(?:basic|bearer|token|api-token|digest|apikey)?\s*([A-Za-z0-9+/._~=\-]{8,})"#,
        1,
        Check::Entropy(2.5),
    ),
    rule_checked(
        "KUBERNETES_SECRET",
        &["kind:"],
        r#"(?i)\n[ \t]*(?:data|stringData):[ \t]*\n(?:[ \t]*#.*\n)*[ \t]+[\w.\-]+:[ \t]*(?:[|>][\-+]?[ \t]*\n[ \t]+)?["']?([A-Za-z0-9+/=]{12,})"#,
        1,
        Check::KubernetesSecret,
    ),
    rule_checked(
        "SIDEKIQ_SECRET",
        &["contribsys"],
        r"(?i)(?:BUNDLE_ENTERPRISE__CONTRIBSYS__COM|BUNDLE_GEMS__CONTRIBSYS__COM)[^\n]{0,16}?([a-f0-9]{8}:[a-f0-9]{8})",
        1,
        Check::Entropy(2.0),
    ),
];
