//! Secret and credential detection.
//!
//! Three families of rules, all linear-time (`regex` crate) and all behind one literal
//! prefilter, so that the cost on ordinary text does not grow with the number of rules:
//!
//! - **Provider keys** with a fixed shape (`AKIA…`, `ghp_…`, `xoxb-…`, `sk-ant-…`, PEM
//!   blocks, JWTs whose header decodes to JSON with `alg`). Each rule names the literals
//!   its matches must contain; one Aho-Corasick automaton over every literal tells which
//!   rules can match at all, and only those run.
//! - **Credentials in context**: passwords in URLs (`scheme://user:pass@host`), `curl -u`,
//!   `Authorization:` headers, and assignments whose key names a secret (`password = …`,
//!   `DB_PASSWORD=…`, `"api_key": …`, `contraseña: …`, `<apiToken>…</apiToken>`).
//!   Passwords may be plain words; other keys need a value that looks generated (length,
//!   character classes and Shannon entropy).
//! - **Placeholders are not secrets**: `your_api_key_here`, `xxxx`, `<TOKEN>`, `changeme`,
//!   `${VAR}`, `{{ var }}`, `$(cmd)`, `****` and values with almost no distinct characters.
//!
//! Overlapping candidates are resolved by score, so a key recognised by its provider rule
//! is reported once, under the provider's type.

use super::anchors::AnchorHit;
use super::assignment::{Groups, groups_at, groups_by_regex};
use super::shared_anchors::SharedAnchors;
use super::{Detections, Detector};
use crate::engine::Context;
use crate::error::GuardError;
use crate::normalize::Normalized;
use aho_corasick::AhoCorasick;
use rampart_core::{Finding, FindingKind};
use regex::Regex;
use std::sync::{LazyLock, OnceLock};

/// One automaton for a list of words that are looked for anywhere in a short string:
/// `contains` in a loop set up a searcher per word, which made these checks the
/// largest cost of a text full of keyed assignments.
struct AnyWord(LazyLock<AhoCorasick>);

impl AnyWord {
    const fn new(build: fn() -> AhoCorasick) -> Self {
        AnyWord(LazyLock::new(build))
    }

    fn in_text(&self, text: &str) -> bool {
        self.0.is_match(text)
    }
}

fn words(list: &[&str], ascii_case_insensitive: bool) -> AhoCorasick {
    AhoCorasick::builder()
        .ascii_case_insensitive(ascii_case_insensitive)
        .build(list)
        .expect("static word list")
}

/// Extra validation a provider rule's match must pass.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Check {
    None,
    /// The header segment is base64url JSON with an `alg` member.
    Jwt,
    /// Not a placeholder and at least this much Shannon entropy (bits per character).
    Entropy(f32),
    /// A password: any non-placeholder value that is not a word such as `password`.
    Password,
    /// The text declares `kind: Secret` (before or after the data).
    KubernetesSecret,
}

/// One provider rule: its type, what literals it needs, its pattern and which capture
/// group is the secret (0 = the whole match).
struct RuleSpec {
    entity: &'static str,
    anchors: &'static [&'static str],
    pattern: &'static str,
    group: usize,
    score: f32,
    check: Check,
    /// How many ASCII digits every match has right before its anchor literal: a hit
    /// without them cannot be in a match and does not trigger the rule (the `|` of
    /// Facebook tokens is in every markdown table and closure, the `:A` of Telegram
    /// tokens in prose).
    digits_before: usize,
}

impl RuleSpec {
    const fn after_digits(mut self, digits: usize) -> Self {
        self.digits_before = digits;
        self
    }
}

const fn rule(
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

const fn rule_checked(
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
/// [`ascii_boundaries`]).
const RULES: &[RuleSpec] = &[
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

/// Words in a key name that say its value is a secret.
const SECRET_KEY_WORDS: &[&str] = &[
    "key",
    "token",
    "secret",
    "pass",
    "pwd",
    "contraseña",
    "contrasena",
    "clave",
    "auth",
    "credential",
    "api",
    "private",
    "signature",
    "session",
    "cookie",
    "bearer",
    "access",
];

/// `pattern` with every `\b` made ASCII: a Unicode word boundary makes the regex engine
/// leave its DFA on non-ASCII text, and every key here is ASCII.
fn ascii_boundaries(pattern: &str) -> String {
    pattern.replace(r"\b", r"(?-u:\b)")
}

#[derive(Debug)]
struct Rule {
    entity: &'static str,
    pattern: &'static str,
    /// Compiled the first time one of the rule's anchors is found: the whole table
    /// costs a tenth of a second to compile, and a text triggers few rules.
    regex: OnceLock<Regex>,
    group: usize,
    score: f32,
    check: Check,
    digits_before: usize,
}

#[derive(Debug)]
pub struct SecretDetector {
    rules: Vec<Rule>,
    /// The anchor literals of every rule, in one ASCII-case-insensitive automaton so that
    /// a text is walked once; pattern `i` belongs to rule `anchor_rule[i]`. A literal of a
    /// case-sensitive rule is kept in `anchor_exact[i]` and a hit must equal it byte for
    /// byte, so that `SK` (Twilio) does not fire on every "ask".
    anchor_rule: Vec<usize>,
    anchor_exact: Vec<Option<&'static str>>,
    /// `key = value` assignments, JSON/YAML members, XML elements. Their anchors (the
    /// words of [`SECRET_KEY_WORDS`]) share the automaton under the rule index
    /// [`ASSIGNMENT`]. Compiled on first use, like the rules'.
    assignment: OnceLock<Regex>,
}

impl Rule {
    /// The rule's expression, compiled on first use.
    fn regex(&self) -> &Regex {
        self.regex
            .get_or_init(|| Regex::new(&ascii_boundaries(self.pattern)).expect("static regex"))
    }
}

/// The anchor literals of the rules, in rule order, then the key words of keyed
/// assignments: the patterns `anchor_rule` and `anchor_exact` are indexed by.
pub(crate) fn anchor_literals() -> Vec<&'static str> {
    let rules = RULES.iter().flat_map(|spec| spec.anchors.iter().copied());
    rules.chain(SECRET_KEY_WORDS.iter().copied()).collect()
}

/// The pseudo-rule index of keyed assignments in `anchor_rule`.
const ASSIGNMENT: usize = usize::MAX;

impl Default for SecretDetector {
    fn default() -> Self {
        Self::new()
    }
}

impl SecretDetector {
    pub fn new() -> Self {
        let mut rules = Vec::with_capacity(RULES.len());
        let (mut anchor_rule, mut anchor_exact) = (Vec::new(), Vec::new());
        for (i, spec) in RULES.iter().enumerate() {
            rules.push(Rule {
                entity: spec.entity,
                pattern: spec.pattern,
                regex: OnceLock::new(),
                group: spec.group,
                score: spec.score,
                check: spec.check,
                digits_before: spec.digits_before,
            });
            let nocase = spec.pattern.starts_with("(?i)");
            for a in spec.anchors {
                anchor_rule.push(i);
                anchor_exact.push((!nocase).then_some(*a));
            }
        }
        for _ in SECRET_KEY_WORDS {
            anchor_rule.push(ASSIGNMENT);
            anchor_exact.push(None);
        }
        SecretDetector {
            rules,
            anchor_rule,
            anchor_exact,
            assignment: OnceLock::new(),
        }
    }

    /// The keyed-assignment expression.
    fn assignment(&self) -> &Regex {
        self.assignment.get_or_init(|| {
            // The key: an identifier (possibly quoted, possibly `$`/`@`-prefixed); the
            // operator: any of the assignment spellings of config files and languages;
            // the value: quoted or bare. Unicode mode for `contraseña`, so no `\b` here.
            Regex::new(&ascii_boundaries(super::assignment::PATTERN)).expect("static regex")
        })
    }

    /// The hits of [`anchor_literals`] in `text`, for a text not inspected through
    /// [`Normalized`] (tests).
    #[cfg(test)]
    fn anchor_hits(text: &str) -> Vec<AnchorHit> {
        let shared = SharedAnchors::get();
        shared.secret_hits(&shared.hits(text)).collect()
    }

    /// `anchor_hits` are the hits of [`anchor_literals`] in `text`, in the automaton's
    /// order.
    fn candidates(
        &self,
        text: &str,
        anchor_hits: impl IntoIterator<Item = AnchorHit>,
        out: &mut Vec<(usize, usize, &'static str, f32)>,
    ) {
        // Allocated at the first triggered rule: most texts trigger none.
        let mut triggered: Vec<bool> = Vec::new();
        let mut any = false;
        // Where the key words are: an assignment can only name a secret if its match
        // contains one (see `assignments`).
        let mut key_words: Vec<(usize, usize)> = Vec::new();
        let bytes = text.as_bytes();
        for m in anchor_hits {
            let p = m.pattern;
            if let Some(exact) = self.anchor_exact[p]
                && &bytes[m.start..m.end] != exact.as_bytes()
            {
                continue;
            }
            match self.anchor_rule[p] {
                ASSIGNMENT => key_words.push((m.start, m.end)),
                rule => {
                    let digits = self.rules[rule].digits_before;
                    if digits > 0
                        && !(m.start >= digits
                            && bytes[m.start - digits..m.start]
                                .iter()
                                .all(u8::is_ascii_digit))
                    {
                        continue;
                    }
                    if triggered.is_empty() {
                        triggered = vec![false; self.rules.len()];
                    }
                    triggered[rule] = true;
                    any = true;
                }
            }
        }
        if any {
            for (rule, _) in self.rules.iter().zip(&triggered).filter(|(_, t)| **t) {
                for caps in rule.regex().captures_iter(text) {
                    let Some(m) = caps.get(rule.group).or_else(|| caps.get(0)) else {
                        continue;
                    };
                    let ok = match rule.check {
                        Check::None => !is_placeholder(m.as_str()),
                        Check::Jwt => jwt_header_ok(m.as_str()),
                        Check::Entropy(min) => {
                            !is_placeholder(m.as_str()) && shannon(m.as_str()) >= min
                        }
                        Check::Password => password_value_ok(m.as_str()),
                        Check::KubernetesSecret => {
                            !is_placeholder(m.as_str()) && kubernetes_secret_kind(text)
                        }
                    };
                    if ok {
                        out.push((m.start(), m.end(), rule.entity, rule.score));
                    }
                }
            }
        }
        if !key_words.is_empty() {
            key_words.sort_unstable();
            let windows = assignment_windows(text, &key_words);
            self.assignments(text, &windows, Some(&key_words), out);
        }
    }

    /// Keyed assignments in `text`, searched for in `windows` only (sorted, disjoint
    /// spans of `text` that no match of the assignment regex can straddle, see
    /// [`assignment_windows`]; the matches found in them are the whole-text search's).
    /// With `key_words` (the spans of the key-word anchor hits in `text`, sorted), this
    /// is the top-level scan: a match that is ASCII and contains no key word cannot
    /// yield anything (its key, and the key of an assignment nested in its quoted value,
    /// would need one for [`key_kind`] to accept it), so only the cheap match search runs
    /// on it, not the capture groups nor `key_kind`. Without, `text` is a quoted value
    /// being searched for a nested assignment.
    fn assignments(
        &self,
        text: &str,
        windows: &[(usize, usize)],
        key_words: Option<&[(usize, usize)]>,
        out: &mut Vec<Candidate>,
    ) {
        let nested = key_words.is_none();
        let mut next_word = 0;
        for &(window_start, window_end) in windows {
            self.assignments_in(
                text,
                window_start..window_end,
                key_words,
                &mut next_word,
                nested,
                out,
            );
        }
    }

    /// The assignments of [`Self::assignments`] that lie in `window`; `next_word` is the
    /// first key word not before the previous match.
    fn assignments_in(
        &self,
        text: &str,
        window: std::ops::Range<usize>,
        key_words: Option<&[(usize, usize)]>,
        next_word: &mut usize,
        nested: bool,
        out: &mut Vec<Candidate>,
    ) {
        // No match straddles `window.end`, so cutting the haystack there changes none.
        let hay = &text[..window.end];
        let mut at = window.start;
        let assignment = self.assignment();
        while let Some(m) = assignment.find_at(hay, at) {
            at = m.end();
            if let Some(words) = key_words {
                while *next_word < words.len() && words[*next_word].0 < m.start() {
                    *next_word += 1;
                }
                let has_key_word = words[*next_word..]
                    .iter()
                    .take_while(|w| w.0 < m.end())
                    .any(|w| w.1 <= m.end());
                if !has_key_word && m.as_str().is_ascii() {
                    continue;
                }
            }
            #[cfg(test)]
            tests::ASSIGNMENT_CAPTURES.with(|c| c.set(c.get() + 1));
            // The same match, now with its groups: the leftmost-first match starting at
            // `m.start()` is `m` whatever came before it. Read by hand; the regex's
            // captures only if the walk disagrees with the match (it never should).
            let groups = match groups_at(text, m.start()) {
                Some(g) if g.whole.end == m.end() => Some(g),
                _ => groups_by_regex(assignment, text, m.start()),
            };
            let Some(Groups {
                key,
                op,
                quoted,
                value,
                ..
            }) = groups
            else {
                continue;
            };
            let key_text = &text[key.clone()];
            let op = op.map_or("", |o| &text[o]);
            let prose_colon = quoted.is_none() && op == ":";
            // Bounds kept out of the pattern: large counted repetitions make the regex
            // engine leave its DFA.
            if key.len() > 64 || value.len() > 512 {
                continue;
            }
            let Some(kind) = key_kind(key_text) else {
                // `"config.ini": "API_TOKEN=…\nDEBUG=1"`: look inside the quoted value.
                if let Some(q) = quoted
                    && !nested
                {
                    let mut inner = Vec::new();
                    self.assignments(&text[q.clone()], &[(0, q.len())], None, &mut inner);
                    out.extend(
                        inner
                            .into_iter()
                            .map(|(s, e, t, sc)| (q.start + s, q.start + e, t, sc)),
                    );
                }
                continue;
            };
            // `setProperty("ETSY_TOKEN", "…")`: a comma only separates a quoted pair.
            if op == "," && (quoted.is_none() || !key_quoted(text, key.end)) {
                continue;
            }
            // `<add key="Password" value="…"/>`: the attribute named `key` is a name.
            if key_text.eq_ignore_ascii_case("key") && quoted.is_some() {
                if let Some(v) = self.xml_pair(text, key.start) {
                    out.push(v);
                }
                continue;
            }
            // A literal `\n` inside a JSON string ends the value of a nested `KEY=value`.
            let raw = &text[value.clone()];
            let raw = raw.find("\\n").map_or(raw, |p| &raw[..p]);
            let v = raw.trim_end_matches(['.', '\\']);
            let end = value.start + v.len();
            // `Password: Remember to…` is prose; `password: hunter2` is not.
            let prose = prose_colon && v.chars().all(char::is_alphabetic);
            let score = match kind {
                KeyKind::Password if !prose && password_value_ok(v) => 0.85,
                KeyKind::Secret if generated_value_ok(v) => 0.8,
                _ => continue,
            };
            let entity = match kind {
                KeyKind::Password => "PASSWORD",
                KeyKind::Secret => "GENERIC_SECRET",
            };
            out.push((value.start, end, entity, score));
        }
    }
}

/// The spans of `text` worth searching for keyed assignments, given the sorted spans of
/// its key-word anchor hits: the segments that hold a key word or a non-ASCII character
/// an assignment key can contain (`ñ`, `Ñ`, `ſ`, the Kelvin sign: under `(?i)` the key
/// classes match them, and [`key_kind`] lower-cases a non-ASCII key with Unicode rules),
/// since a match outside them cannot yield anything (see [`SecretDetector::assignments`]).
///
/// A segment ends at a run of ASCII whitespace holding a line break that no match can
/// contain: the assignment regex admits a line break only in the `\s*` after `<tag>` or
/// before `</`, so a run whose neighbours are neither `>` before nor `<` after (nor a
/// non-ASCII byte, which might be more Unicode whitespace) is a cut that every match lies
/// on one side of. The leftmost-first search started at a cut therefore finds the same
/// matches after it as the search started at 0. Linear: each byte is looked at a bounded
/// number of times.
fn assignment_windows(text: &str, key_words: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut points: Vec<usize> = key_words.iter().map(|w| w.0).collect();
    let mut from = 0;
    while let Some(i) = memchr::memchr3(0xC3, 0xC5, 0xE2, &bytes[from..]) {
        let p = from + i;
        let rest = &bytes[p..];
        if rest.starts_with("ñ".as_bytes())
            || rest.starts_with("Ñ".as_bytes())
            || rest.starts_with("ſ".as_bytes())
            || rest.starts_with("\u{212A}".as_bytes())
        {
            points.push(p);
        }
        from = p + 1;
    }
    points.sort_unstable();
    let mut windows: Vec<(usize, usize)> = Vec::new();
    let mut covered = 0;
    for p in points {
        if p < covered {
            continue;
        }
        let start = cut_before(bytes, covered, p);
        let end = cut_after(bytes, p);
        match windows.last_mut() {
            Some(last) if last.1 == start => last.1 = end,
            _ => windows.push((start, end)),
        }
        covered = end;
    }
    windows
}

/// ASCII whitespace, a superset of the ASCII part of the regex class `\s`.
fn is_ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C)
}

/// The maximal run of ASCII whitespace around the line break at `i`, and whether no
/// assignment match can contain it (see [`assignment_windows`]).
fn space_run(bytes: &[u8], i: usize) -> (usize, usize, bool) {
    let mut a = i;
    while a > 0 && is_ascii_space(bytes[a - 1]) {
        a -= 1;
    }
    let mut b = i + 1;
    while b < bytes.len() && is_ascii_space(bytes[b]) {
        b += 1;
    }
    let before_ok = a == 0 || (bytes[a - 1] != b'>' && bytes[a - 1].is_ascii());
    let after_ok = b == bytes.len() || (bytes[b] != b'<' && bytes[b].is_ascii());
    (a, b, before_ok && after_ok)
}

/// The last cut at or before `p` and not before `floor` (itself a cut, or 0).
fn cut_before(bytes: &[u8], floor: usize, p: usize) -> usize {
    let mut end = p;
    while end > floor {
        let Some(i) = memchr::memrchr(b'\n', &bytes[floor..end]) else {
            return floor;
        };
        let (a, b, cut) = space_run(bytes, floor + i);
        if cut {
            return b.min(p);
        }
        end = a;
    }
    floor
}

/// The first cut after `p` (which is not whitespace), or the end of the text.
fn cut_after(bytes: &[u8], p: usize) -> usize {
    let mut from = p;
    while from < bytes.len() {
        let Some(i) = memchr::memchr(b'\n', &bytes[from..]) else {
            break;
        };
        let (_, b, cut) = space_run(bytes, from + i);
        if cut {
            return b;
        }
        from = b;
    }
    bytes.len()
}

/// Whether the key that ends at byte `end` was quoted.
fn key_quoted(text: &str, end: usize) -> bool {
    text[end..].starts_with(['"', '\'', '`'])
}

/// One finding: byte span in the normalised text, type, score.
type Candidate = (usize, usize, &'static str, f32);

impl SecretDetector {
    /// `key="NAME" value="VALUE"` (NuGet, .NET and Java XML configuration) at `at`.
    fn xml_pair(&self, text: &str, at: usize) -> Option<Candidate> {
        static PAIR: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
        let re = PAIR.get_or_init(|| {
            Regex::new(r#"^(?i)key\s*=\s*"([^"\n]+)"\s+value\s*=\s*"([^"\n]+)""#)
                .expect("static regex")
        });
        let caps = re.captures(&text[at..])?;
        let (key, value) = (caps.get(1)?, caps.get(2)?);
        let v = value.as_str();
        let (entity, score) = match key_kind(key.as_str())? {
            KeyKind::Password if password_value_ok(v) => ("PASSWORD", 0.85),
            KeyKind::Secret if generated_value_ok(v) => ("GENERIC_SECRET", 0.8),
            _ => return None,
        };
        Some((at + value.start(), at + value.end(), entity, score))
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum KeyKind {
    Password,
    Secret,
}

/// What a key name says about its value, if it names a secret.
/// Where a keyed assignment that a later chunk could still complete starts in `tail`
/// (a stream's last [`super::DEFAULT_MAX_MATCH_LEN`] bytes), if one does: a key holding
/// a word of [`SECRET_KEY_WORDS`] on the last line, followed only by what may still
/// lead to a value (quotes, a type word or its beginning, an operator or its
/// beginning) or by a value that has not ended (an unclosed quote, a bare value not
/// yet followed by white space); or an XML element `<key…>` whose value or closing tag
/// has not arrived (its `\s*` spans lines). The tail is normalised first, as the
/// detector reads it, so invisible characters or look-alikes inside a key change
/// nothing. Returns a byte offset into `tail`.
fn open_assignment(tail: &str) -> Option<usize> {
    static KEY_WORD: OnceLock<Regex> = OnceLock::new();
    static OPEN: OnceLock<Regex> = OnceLock::new();
    static OPEN_XML: OnceLock<Regex> = OnceLock::new();
    let key_word = KEY_WORD.get_or_init(|| {
        let words: Vec<String> = SECRET_KEY_WORDS.iter().map(|w| regex::escape(w)).collect();
        Regex::new(&format!("(?i){}", words.join("|"))).expect("static regex")
    });
    let open = OPEN.get_or_init(|| {
        Regex::new(concat!(
            r#"(?i)^[A-Za-z0-9_$@.\-ñ\x{212A}\x{017F}]*["'`]?\]?"#,
            r"(?:[ \t]+(?:s(?:t(?:r(?:i(?:n(?:g)?)?)?)?)?|c(?:o(?:n(?:s(?:t)?)?)?|h(?:a(?:r\*?)?)?)?)?)?",
            r"[ \t]*(?:(?:=>?|:{1,3}=?|\?=?|\.=?|\+=?|,)[ \t]*@?",
            r#"(?:"[^"\n]*|'[^'\n]*|`[^`\n]*|[^\s"'`,;<>(){}\[\]]*)?)?$"#,
        ))
        .expect("static regex")
    });
    let open_xml = OPEN_XML.get_or_init(|| {
        Regex::new(r"^<[A-Za-z_][A-Za-z0-9_.\-]*(?:>\s*[^<\s]*\s*(?:<)?)?$").expect("static regex")
    });
    let n = Normalized::new(tail);
    let text = n.main_text();
    let line_start = text.rfind('\n').map_or(0, |i| i + 1);
    let mut found: Option<usize> = None;
    for m in key_word.find_iter(text) {
        // The key (or the element name) the word is part of.
        let key_start = text[..m.start()]
            .char_indices()
            .rev()
            .take_while(|&(_, c)| {
                c.is_ascii_alphanumeric()
                    || matches!(
                        c,
                        '_' | '$' | '@' | '.' | '-' | 'ñ' | 'Ñ' | '\u{212A}' | '\u{017F}'
                    )
            })
            .last()
            .map_or(m.start(), |(i, _)| i);
        let start = if text[..key_start].ends_with('<') {
            let lt = key_start - 1;
            open_xml.is_match(&text[lt..]).then_some(lt)
        } else {
            (key_start >= line_start && open.is_match(&text[key_start..])).then_some(key_start)
        };
        if let Some(start) = start {
            found = Some(found.map_or(start, |f| f.min(start)));
            break;
        }
    }
    let start = found?;
    // Back to the original: a code-point offset, then bytes.
    let (cp, _) = n.span_to_original(start, start);
    Some(tail.char_indices().nth(cp).map_or(tail.len(), |(b, _)| b))
}

fn key_kind(key: &str) -> Option<KeyKind> {
    let k = key.trim_start_matches(['$', '@']);
    let k = if k.is_ascii() {
        k.to_ascii_lowercase()
    } else {
        k.to_lowercase()
    };
    static PASSWORD: AnyWord =
        AnyWord::new(|| words(&["pass", "pwd", "contraseña", "contrasena", "clave"], false));
    static SECRET: AnyWord = AnyWord::new(|| words(SECRET_WORDS, false));
    const SECRET_WORDS: &[&str] = &[
        "key",
        "token",
        "secret",
        "auth",
        "credential",
        "private",
        "session",
        "cookie",
        "bearer",
    ];
    let password = PASSWORD.in_text(&k);
    // `apikey`, `api_key` and `api-key` contain `key`.
    let secret = SECRET.in_text(&k) || k.ends_with("access");
    // Most keys name nothing secret: answer before the longer exclusion lists.
    if !password && !secret {
        return None;
    }
    // Names of things about a secret, not the secret itself.
    const NOT_VALUE: &[&str] = &[
        "id",
        "_id",
        "-id",
        "name",
        "_name",
        "file",
        "_file",
        "path",
        "_path",
        "url",
        "_url",
        "uri",
        "type",
        "_type",
        "length",
        "_len",
        "size",
        "count",
        "version",
        "_env",
        "_var",
        "header",
        "field",
        "format",
        "policy",
        "_ref",
        "_arn",
        "region",
        "endpoint",
        "expiry",
        "expires",
        "expiration",
        "_at",
        "timeout",
        "_ttl",
        "_mode",
        "_hint",
        "_label",
        "_provider",
        "algorithm",
        "_alg",
        "_manager",
        "_store",
        "_storage",
        "_vault",
        "_user",
        "username",
        "_method",
        "_scheme",
        "enabled",
        "_enabled",
        "_required",
        "placeholder",
    ];
    // The last byte first: most keys end in none of the suffixes' last bytes.
    let last = k.as_bytes().last().copied();
    if NOT_VALUE
        .iter()
        .any(|s| s.as_bytes().last().copied() == last && k.ends_with(s))
        && !k.ends_with("passwd")
    {
        return None;
    }
    static NOT_SECRET_KEYS: AnyWord = AnyWord::new(|| words(NOT_SECRET_WORDS, false));
    const NOT_SECRET_WORDS: &[&str] = &[
        "keyboard",
        "public",
        "pubkey",
        "pub_key",
        "key_down",
        "key_up",
        "key_event",
        "keyhash",
        "key_hash",
        "keying",
        "csrf",
        "xsrf",
        "keymap",
        "keybind",
        "keycode",
        "hotkey",
        "keypress",
        "keyframe",
        "keyword",
        "keyup",
        "keydown",
        "foreignkey",
        "primarykey",
        "sortkey",
        "partitionkey",
        "keyspace",
        "monkey",
        "donkey",
        "turkey",
        "hockey",
        "jockey",
        "whiskey",
        "passage",
        "passenger",
        "compass",
        "bypass",
        "passive",
        "author",
        "oauth_callback",
        "apiversion",
        "api_version",
        "tokenizer",
        "tokenize",
        "sessionstorage",
        "keyvault",
        "access_log",
        "accessible",
        "capital",
        "apiurl",
        "api_url",
        "apihost",
        "api_host",
        "api_base",
    ];
    if NOT_SECRET_KEYS.in_text(&k) {
        return None;
    }
    if password {
        return Some(KeyKind::Password);
    }
    Some(KeyKind::Secret)
}

/// A password may be a word, but not a placeholder, a reference or a boolean.
fn password_value_ok(v: &str) -> bool {
    let lower = v
        .trim_matches(['[', ']', '"', '\'', '(', ')'])
        .to_ascii_lowercase();
    v.chars().count() >= 4
        && !is_placeholder(v)
        && !matches!(
            lower.as_str(),
            "true" | "false" | "null" | "none" | "nil" | "undefined" | "required" | "optional" | "token" | "pass" | "user" | "username"
                | "string" | "str" | "password" | "passwd" | "secret" | "empty" | "hidden"
                | "prompt" | "input" | "env" | "self" | "this" | "value" | "config" | "os"
        )
        // A call, attribute access or type (`os.getenv`, `config.password`).
        && !is_dotted_identifier(v)
}

/// `os.getenv`, `X25519.KeyPair`, `config.db.password`: code, not a value.
fn is_dotted_identifier(v: &str) -> bool {
    v.contains('.')
        && v.split('.').all(|p| {
            p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && p.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                // A long part with digits is a random token (`s.ZC9Ecf4M5g9o34Q6Rk…`).
                && (p.len() < 12 || !p.bytes().any(|b| b.is_ascii_digit()))
        })
}

/// A token value must look generated: long enough, several character classes or high
/// entropy, and not a word, a number, a host name or a reference.
fn generated_value_ok(v: &str) -> bool {
    let n = v.chars().count();
    if n < 8 || is_placeholder(v) {
        return false;
    }
    let lower = v.bytes().any(|b| b.is_ascii_lowercase());
    let upper = v.bytes().any(|b| b.is_ascii_uppercase());
    let digit = v.bytes().any(|b| b.is_ascii_digit());
    let classes = lower as u8 + upper as u8 + digit as u8;
    // Long numeric secrets exist (client secrets, PINs of 16+ digits); short ones are ids.
    let long_number = classes == 1 && digit && n >= 16 && shannon(v) >= 2.5;
    if classes < 2 && !long_number {
        return false;
    }
    if is_dotted_identifier(v) {
        return false;
    }
    // Host names, file names and dotted identifiers (`5h.ca.iphmx.com`, `app.keytab`).
    if let Some(last) = v.rsplit('.').next()
        && v.contains('.')
        && (2..=6).contains(&last.len())
        && last.bytes().all(|b| b.is_ascii_lowercase())
    {
        return false;
    }
    // Identifiers in code: `kVK_Return`, `someVariableName`, `CONSTANT_NAME`.
    // Parts are words or short numbers: `DOC_Vector_5_32`, `SalesResults-1.2`.
    let parts = || v.split(['_', '-', '.']).filter(|p| !p.is_empty());
    let word_like = parts().all(|p| {
        p.len() >= 3 && p.bytes().all(|b| b.is_ascii_alphabetic())
            || p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit())
    }) && parts().any(|p| p.bytes().all(|b| b.is_ascii_alphabetic()));
    if word_like {
        return false;
    }
    let h = shannon(v);
    h >= 3.0 || (n >= 20 && h >= 2.5)
}

/// Whether a YAML document declares `kind: Secret`.
fn kubernetes_secret_kind(text: &str) -> bool {
    static KIND: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    KIND.get_or_init(|| {
        Regex::new(r#"(?im)^[ \t]*kind:[ \t]*["']?secret["']?[ \t]*$"#).expect("static regex")
    })
    .is_match(text)
}

/// Shannon entropy of `s` in bits per character.
fn shannon(s: &str) -> f32 {
    let mut counts = [0u32; 256];
    // Which bytes occur: the sum visits only those, in increasing order, so its terms
    // and their order are those of a pass over all 256 counts (the same `f32`).
    let mut present = [0u64; 4];
    let mut n = 0u32;
    for b in s.bytes() {
        counts[b as usize] += 1;
        present[usize::from(b >> 6)] |= 1 << (b & 63);
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    let n = n as f32;
    present
        .iter()
        .enumerate()
        .flat_map(|(word, &bits)| {
            let mut bits = bits;
            std::iter::from_fn(move || {
                (bits != 0).then(|| {
                    let k = bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    word * 64 + k
                })
            })
        })
        .map(|b| {
            let p = counts[b] as f32 / n;
            -p * p.log2()
        })
        .sum()
}

/// Documentation placeholders, template references and masked values.
fn is_placeholder(v: &str) -> bool {
    static MARKERS: AnyWord = AnyWord::new(|| words(MARKER_WORDS, true));
    const MARKER_WORDS: &[&str] = &[
        "xxxx",
        "###",
        "****",
        "...",
        ">",
        "exampleexample",
        "your_",
        "your-",
        "yourapi",
        "<",
        "${",
        "{{",
        "$(",
        "%s",
        "%(",
        "changeme",
        "change_me",
        "placeholder",
        "redacted",
        "dummy",
        "replace",
        "insert",
        "put_your",
        "todo",
        "example_",
        "sample",
        "_here",
        "-here",
        "enter_",
        "fake",
        "#{",
        "000000000",
        "123456789",
        "abcdef123",
        "abcdefghij",
    ];
    if MARKERS.in_text(v) {
        return true;
    }
    let tail = v.len().saturating_sub(4);
    if v.as_bytes()[tail..].eq_ignore_ascii_case(b"here")
        || v.starts_with('$')
        || v.starts_with('%') && v.ends_with('%')
    {
        return true;
    }
    // Almost no distinct characters: `AAAAAAAA`, `abababab`.
    let mut seen = [false; 256];
    let mut distinct = 0;
    for b in v.bytes() {
        if !seen[b as usize] {
            seen[b as usize] = true;
            distinct += 1;
        }
    }
    distinct < 4
        || (v.len() >= 16 && distinct * 5 < v.len().min(40))
        || (v.len() >= 24 && distinct < 10)
}

/// A JWT whose header decodes to a JSON object with an `alg` member.
fn jwt_header_ok(token: &str) -> bool {
    let header = token.split('.').next().unwrap_or("");
    let Some(bytes) = base64url_decode(header) else {
        return false;
    };
    let Ok(s) = std::str::from_utf8(&bytes) else {
        return false;
    };
    let s = s.trim();
    s.starts_with('{') && s.contains("\"alg\"")
}

fn base64url_decode(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a') as u32 + 26,
            b'0'..=b'9' => (c - b'0') as u32 + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            _ => return None,
        })
    };
    let b = s.trim_end_matches('=').as_bytes();
    if b.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(b.len() * 3 / 4);
    for chunk in b.chunks(4) {
        let mut acc = 0u32;
        for (k, &c) in chunk.iter().enumerate() {
            acc |= val(c)? << (18 - 6 * k);
        }
        for k in 0..chunk.len() * 6 / 8 {
            out.push((acc >> (16 - 8 * k)) as u8);
        }
    }
    Some(out)
}

/// The longest secret a match can cover: a PEM private key block (a 4096-bit RSA key in
/// PEM is about 3.3 KB; 8 KB leaves room for encrypted keys and escaped newlines).
const MAX_SECRET_LEN: usize = 8192;
/// The longest single token worth holding back in a stream (long provider tokens such as
/// 1Password service-account tokens run to about a kilobyte).
const MAX_TOKEN_LEN: usize = 2048;

impl Detector for SecretDetector {
    fn name(&self) -> &'static str {
        "secret"
    }

    fn kinds(&self) -> &'static [FindingKind] {
        &[FindingKind::Secret]
    }

    fn max_match_len(&self) -> usize {
        MAX_SECRET_LEN
    }

    /// Hold back an unterminated PEM block from its `-----BEGIN`, the trailing token
    /// (up to [`MAX_TOKEN_LEN`]) and a keyed assignment that is still open at the end
    /// ([`open_assignment`]). Completed words of prose are not held: every other rule
    /// reports a span without white space, and its evidence before the span (a key, an
    /// `Authorization:` header) is in the stream's look-behind context.
    fn pending_tail(&self, text: &str, _ctx: &Context) -> usize {
        let mut hold = text.len() - super::trailing_word_start(text, MAX_TOKEN_LEN);
        let mut floor = text.len().saturating_sub(MAX_SECRET_LEN);
        while !text.is_char_boundary(floor) {
            floor += 1;
        }
        let window = &text[floor..];
        if let Some(begin) = window.rfind("-----BEGIN")
            && !window[begin..].contains("-----END")
        {
            hold = hold.max(window.len() - begin);
        }
        let mut floor = text
            .len()
            .saturating_sub(super::DEFAULT_MAX_MATCH_LEN.min(text.len()));
        while !text.is_char_boundary(floor) {
            floor += 1;
        }
        if let Some(start) = open_assignment(&text[floor..]) {
            hold = hold.max(text.len() - (floor + start));
        }
        hold.min(MAX_SECRET_LEN)
    }

    fn detect(
        &self,
        text: &Normalized<'_>,
        _ctx: &Context,
        out: &mut Detections,
    ) -> Result<(), GuardError> {
        let mut found = Vec::new();
        let shared = SharedAnchors::get();
        let anchor_hits = shared.secret_hits(text.anchor_hits());
        self.candidates(text.text(), anchor_hits, &mut found);
        found.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut kept: Vec<(usize, usize, &'static str, f32)> = Vec::with_capacity(found.len());
        for c in found {
            match kept.last_mut() {
                Some(last) if c.0 < last.1 => {
                    if c.3 > last.3 || (c.3 == last.3 && c.1 - c.0 > last.1 - last.0) {
                        *last = c;
                    }
                }
                _ => kept.push(c),
            }
        }
        for (start, end, entity, score) in kept {
            let (s, e) = text.span_to_original(start, end);
            out.findings
                .push(Finding::new(FindingKind::Secret, entity, s, e, score));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_core::Role;

    thread_local! {
        /// How many assignment matches had their capture groups computed.
        pub(super) static ASSIGNMENT_CAPTURES: std::cell::Cell<usize> =
            const { std::cell::Cell::new(0) };
    }

    /// `shannon` sums over the bytes that occur only; the result must be the same `f32`
    /// as the sum over all 256 counts.
    #[test]
    fn shannon_equals_the_sum_over_all_counts() {
        fn reference(s: &str) -> f32 {
            let mut counts = [0u32; 256];
            let mut n = 0u32;
            for b in s.bytes() {
                counts[b as usize] += 1;
                n += 1;
            }
            if n == 0 {
                return 0.0;
            }
            let n = n as f32;
            counts
                .iter()
                .filter(|&&c| c > 0)
                .map(|&c| {
                    let p = c as f32 / n;
                    -p * p.log2()
                })
                .sum()
        }
        let mut next = crate::test_rng::xorshift(0x2545_F491_4F6C_DD1Du64);
        for len in 0..400 {
            let s: String = (0..len)
                .map(|_| char::from_u32((next() % 300) as u32 + 1).unwrap_or('x'))
                .collect();
            assert_eq!(shannon(&s).to_bits(), reference(&s).to_bits(), "{s:?}");
        }
        for s in ["", "a", "AKIAIOSFODNN7EXAMPLE", "hunter2hunter", "ñññ€€x"] {
            assert_eq!(shannon(s).to_bits(), reference(s).to_bits());
        }
    }

    /// The expressions are compiled on first use; a bad one must still fail a test.
    #[test]
    fn every_rule_compiles() {
        let detector = SecretDetector::new();
        for rule in &detector.rules {
            rule.regex();
        }
        detector.assignment();
    }

    /// Capture-group runs of the assignment regex on `text`, and the findings.
    fn assignment_captures(text: &str) -> (usize, usize) {
        ASSIGNMENT_CAPTURES.with(|c| c.set(0));
        let findings = found(text).len();
        (ASSIGNMENT_CAPTURES.with(|c| c.get()), findings)
    }

    /// Markdown (README, ARCHITECTURE) is full of `word:` and `a, b` that the assignment
    /// regex matches; capture groups and the key-name checks ran on every one of them
    /// (0.6 MiB/s on the repository's own docs). Only a match that holds a key word may
    /// cost more than the match search, so the work follows the key words, linearly.
    #[test]
    fn regression_markdown_assignment_work_follows_key_words() {
        let block = "## Layout\n\n| crate | role: what it does | notes |\n|---|---|---|\n\
                     | guard | detectors, policy, redaction | `no I/O` |\n\
                     ├── crates/ ── gateway: proxy, routing, limits\n\
                     Note: the engine, the session and the stream share one policy.\n\
                     ```toml\nmode = \"enforce\"\nlevel: high, low\n```\n\
                     The api token: see the docs.\n";
        let (once, found_once) = assignment_captures(block);
        let (many, found_many) = assignment_captures(&block.repeat(64));
        // One key word ("token") per block; "role:", "gateway:", "Note:", "mode =", "level:"
        // and the commas are matched but must not reach the capture groups.
        assert_eq!(once, 1, "captures on one block");
        assert_eq!(many, 64, "captures on 64 blocks");
        assert_eq!((found_once, found_many), (0, 0));
        // Key words still reach the captures, and secrets are still found.
        let (n, f) =
            assignment_captures("db_password: Xq9!vT2#pL7w and api_key = \"AbC9dEf8GhI7jKl6\"");
        assert_eq!((n, f), (2, 2));
    }

    /// The windowed assignment search finds what the whole-text search finds, on texts
    /// built from the shapes that decide where a window may end: line breaks next to
    /// `<tag>` / `</`, multi-line XML elements, Unicode whitespace, key words, `ñ` and
    /// the Kelvin sign in keys, quoted values holding nested assignments.
    #[test]
    fn assignment_windows_change_no_finding() {
        const PIECES: &[&str] = &[
            "\n",
            "\n\n  ",
            " ",
            "\t",
            "\u{00A0}",
            "\u{2028}",
            "<password>",
            "</password>",
            "<apiToken>",
            "</apiToken>",
            ">",
            "<",
            "Xq9!vT2#pL7w",
            "AbC9dEf8GhI7jKl6",
            "password",
            "contraseña",
            "CONTRASEÑA",
            "to\u{212A}en",
            "api_key",
            "note",
            ": ",
            " = ",
            "=",
            ", ",
            "\"",
            "'",
            "\"config.ini\": \"API_TOKEN=AbC9dEf8GhI7jKl6\\nDEBUG=1\"",
            "<add key=\"Password\" value=\"Xq9!vT2#pL7w\"/>",
            "├── gateway: proxy",
            "hunter2hunter",
            "plain words\n",
            "more plain words.\n",
            // The closing tag is not checked against the opening one, so these hold a key
            // word only before their first line break.
            "<password>\n  Xq9!vT2#pL7w\n</b>",
            "<apiToken>\u{00A0}\nAbC9dEf8GhI7jKl6\u{2028}\n</b>",
            "<password>\nXq9!vT2#pL7w\n\u{2028}</b>",
        ];
        let detector = SecretDetector::new();
        // A small linear congruential generator: reproducible without a dependency.
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        let mut next = move |n: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) as usize % n
        };
        let mut differing_windows = 0;
        for _ in 0..3000 {
            let len = 1 + next(40);
            let text: String = (0..len).map(|_| PIECES[next(PIECES.len())]).collect();
            let mut key_words: Vec<(usize, usize)> = SecretDetector::anchor_hits(&text)
                .into_iter()
                .filter(|h| detector.anchor_rule[h.pattern] == ASSIGNMENT)
                .map(|h| (h.start, h.end))
                .collect();
            if key_words.is_empty() {
                continue;
            }
            key_words.sort_unstable();
            let windows = assignment_windows(&text, &key_words);
            if windows != [(0, text.len())] {
                differing_windows += 1;
            }
            let (mut windowed, mut whole) = (Vec::new(), Vec::new());
            detector.assignments(&text, &windows, Some(&key_words), &mut windowed);
            detector.assignments(&text, &[(0, text.len())], Some(&key_words), &mut whole);
            assert_eq!(windowed, whole, "{text:?}, windows {windows:?}");
        }
        // The windows did cut many texts, so the comparison above tested something.
        assert!(differing_windows > 500, "{differing_windows}");
    }

    /// The `|` anchor of Facebook app tokens triggers the rule only after 15 digits;
    /// tokens with 15 or 16 digits are still found, in a table too.
    #[test]
    fn facebook_app_token_after_digits() {
        for (text, token) in [
            (
                "app 738104926351847|Ab_cd-EfGhIjKlMnOpQrStUvWx1 x",
                "738104926351847|Ab_cd-EfGhIjKlMnOpQrStUvWx1",
            ),
            (
                "| a | b |\n7381049263518472|Xq9vT2pL7wRk3mN8sB4dF6hJ1zQ | c |",
                "7381049263518472|Xq9vT2pL7wRk3mN8sB4dF6hJ1zQ",
            ),
        ] {
            one(text, "FACEBOOK_TOKEN", token);
        }
        none("73810492635184|Xq9vT2pL7wRk3mN8sB4dF6hJ1zQ");
    }

    /// The `:A` anchor of Telegram bot tokens triggers the rule only after 5 digits;
    /// the shortest bot ids are still found.
    #[test]
    fn telegram_bot_token_after_digits() {
        one(
            "Note:A bot 73810:AAk9vT2pL7wRk3mN8sB4dF6hJ1zQXq9vT2p ok",
            "TELEGRAM_BOT_TOKEN",
            "73810:AAk9vT2pL7wRk3mN8sB4dF6hJ1zQXq9vT2p",
        );
    }

    fn found(s: &str) -> Vec<(String, String)> {
        static DETECTOR: std::sync::OnceLock<SecretDetector> = std::sync::OnceLock::new();
        let n = Normalized::new(s);
        let mut out = Detections::default();
        DETECTOR
            .get_or_init(SecretDetector::new)
            .detect(&n, &Context::input(Role::User), &mut out)
            .unwrap();
        out.findings
            .iter()
            .map(|f| {
                (
                    f.entity.clone(),
                    s.chars().skip(f.start).take(f.end - f.start).collect(),
                )
            })
            .collect()
    }

    fn one(s: &str, entity: &str, value: &str) {
        assert_eq!(
            found(s),
            vec![(entity.to_owned(), value.to_owned())],
            "in {s:?}"
        );
    }

    fn none(s: &str) {
        assert!(found(s).is_empty(), "{s:?}: {:?}", found(s));
    }

    #[test]
    fn provider_keys() {
        one(
            "key=AKIAIOSFODNN7EXAMPLE ok",
            "AWS_ACCESS_KEY",
            "AKIAIOSFODNN7EXAMPLE",
        );
        one(
            "token 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",
            "GITHUB_TOKEN",
            "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",
        );
        one(
            "glpat-Vk2x9q7ZrT4mN8pL1cB3 is mine",
            "GITLAB_TOKEN",
            "glpat-Vk2x9q7ZrT4mN8pL1cB3",
        );
        one(
            "use sk_live_4eC39HqLyjWDarjtT1zdp7dc",
            "STRIPE_KEY",
            "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
        );
        one(
            "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",
            "HUGGINGFACE_TOKEN",
            "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",
        );
        one(
            "xoxb-263594206564-2343594206574-FGqddMF8t08v8N7Oq4i57vs1",
            "SLACK_TOKEN",
            "xoxb-263594206564-2343594206574-FGqddMF8t08v8N7Oq4i57vs1",
        );
        let anthropic = format!("sk-ant-api03-{}AA", "a1B2c3D4e5".repeat(9) + "xyz");
        one(
            &format!("ANTHROPIC_API_KEY={anthropic}"),
            "ANTHROPIC_API_KEY",
            &anthropic,
        );
        let openai = "sk-proj-SevzWEV_NmNnMndQ5gn6PjFcX_9ay5SEKse8AL0EuYAB0cIgFW7Equ3vCbUbYShvii6L3rBw3WT3BlbkFJdD9FqO9Z3BoBu9F-KFR6YJtvW6fUfqg2o2Lfel3diT3OCRmBB24hjcd_uLEjgr9tCqnner";
        one(openai, "OPENAI_API_KEY", openai);
        // By prefix alone, without the marker.
        for key in [
            "sk-proj-Q3k9_Zp2LmX8vR4tY7wB1nC6dF0gH5jK2sA9eU3iO8qW",
            "sk-svcacct-Vb7Nq2Xz9Lk4Mw8Rt1Yp6Hs3Dj0Fg5Ka2Ce7Ui9Oo4Ql1",
            "sk-admin-Zx8Cv7Bn6Mm5Ll4Kk3Jj2Hh1Gg0Ff9Dd8Ss7Aa6Qq5Ww4Ee",
        ] {
            one(&format!("the new key {key} works"), "OPENAI_API_KEY", key);
        }
        // Too short, or a placeholder: not a key.
        none("sk-proj-abc123");
        none("sk-proj-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    }

    #[test]
    fn cloud_connection_strings_and_webhooks() {
        let key = format!(
            "{}==",
            "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq"
                .repeat(2)
                .get(..86)
                .unwrap()
        );
        let conn = format!(
            "DefaultEndpointsProtocol=https;AccountName=acme;AccountKey={key};EndpointSuffix=core.windows.net"
        );
        let f = found(&conn);
        assert_eq!(f[0].0, "AZURE_STORAGE_KEY", "{f:?}");
        let hook =
            "https://hooks.slack.com/services/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";
        assert_eq!(found(hook)[0].0, "SLACK_WEBHOOK");
        one(
            "npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
            "NPM_TOKEN",
            "npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
        );
        one(
            "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
            "GCP_API_KEY",
            "AIzaSyA1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q",
        );
    }

    #[test]
    fn pem_private_keys_including_openssh_and_escaped_newlines() {
        let pem = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\nQyNTUxOQAAACDx\n-----END OPENSSH PRIVATE KEY-----";
        one(&format!("here:\n{pem}\nthanks"), "PRIVATE_KEY", pem);
        let json = r#"{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKjMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvuNMoSfm76oqFvAp8Gy0iz5sxjZmSnXyCdPEovGhLa0VzMaQ8s+CLOyS56YyCFGeJZ\n-----END PRIVATE KEY-----\n"}"#;
        let f = found(json);
        assert!(f.iter().any(|(t, _)| t == "PRIVATE_KEY"), "{f:?}");
        assert!(f.iter().any(|(t, _)| t == "GCP_SERVICE_ACCOUNT"), "{f:?}");
    }

    #[test]
    fn jwt_needs_a_json_header_with_alg() {
        let jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
        one(&format!("Bearer-less {jwt} here"), "JWT", jwt);
        none("eyJub3RoaW5nIjoiaGVyZSJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc");
    }

    #[test]
    fn passwords_in_urls_and_assignments() {
        one(
            "postgres://app:S3cr3t-P4ss@db.internal:5432/app",
            "PASSWORD",
            "S3cr3t-P4ss",
        );
        one("DB_PASSWORD=hunter2hunter", "PASSWORD", "hunter2hunter");
        one(r#"password = "correct horse""#, "PASSWORD", "correct horse");
        one("la contraseña: Madrid2024!", "PASSWORD", "Madrid2024!");
        one(
            "curl -u admin:pQ9wTxu4Fg https://x",
            "PASSWORD",
            "pQ9wTxu4Fg",
        );
        one(
            r#""api_key": "Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB""#,
            "GENERIC_SECRET",
            "Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB",
        );
    }

    #[test]
    fn placeholders_and_references_are_not_secrets() {
        for s in [
            "api_key = your_api_key_here",
            "OPENAI_API_KEY=<TOKEN>",
            "password: changeme",
            "DB_PASSWORD=${DB_PASSWORD}",
            "token: xxxxxxxxxxxxxxxxxxxxxxxx",
            "password = os.getenv",
            "postgres://user:${PGPASS}@db/app",
            "secret_key: '{{ vault_secret }}'",
            "api_key_id = 42",
            "keyPressed = kVK_Return.u16",
            "Authentication-Results: 5h.ca.iphmx.com",
            "the password is required",
            "Authorization: Bearer $(gcloud auth print-access-token)",
        ] {
            none(s);
        }
    }

    #[test]
    fn base64_encoded_secret_is_found_and_points_at_the_blob() {
        // base64("aws key AKIAIOSFODNN7EXAMPLE")
        let blob = "YXdzIGtleSBBS0lBSU9TRk9ETk43RVhBTVBMRQ==";
        one(&format!("decode {blob} please"), "AWS_ACCESS_KEY", blob);
    }

    #[test]
    fn homoglyph_key_is_found() {
        // Cyrillic А and К in the prefix.
        let f = found("\u{0410}\u{041A}IAIOSFODNN7EXAMPLE");
        assert_eq!(f[0].0, "AWS_ACCESS_KEY");
    }
}

#[cfg(test)]
mod odd_input_tests {
    //! Detectors on hostile input: bounded time, no panic.
    use super::super::pii::PiiDetector;
    use super::*;
    use rampart_core::Role;
    use std::time::{Duration, Instant};

    fn run_all(s: &str) -> usize {
        let n = Normalized::new(s);
        let mut out = Detections::default();
        let ctx = Context::input(Role::User);
        SecretDetector::new().detect(&n, &ctx, &mut out).unwrap();
        PiiDetector::new().detect(&n, &ctx, &mut out).unwrap();
        out.findings.len()
    }

    fn bounded(s: &str, limit: Duration) -> usize {
        let t = Instant::now();
        let found = run_all(s);
        assert!(t.elapsed() < limit, "took {:?}", t.elapsed());
        found
    }

    #[test]
    fn megabytes_on_one_line_of_digits_and_keys() {
        // 2 MB keeps the unoptimised test build under a minute on a shared machine; the
        // normaliser's own test takes a 10 MB line.
        let line = "key=AKIAIOSFODNN7EXAMPLE 4111111111111111 +34612345678 a@b.es "
            .repeat(2 * 1024 * 1024 / 60);
        assert!(bounded(&line, Duration::from_secs(120)) > 0);
    }

    #[test]
    fn thousands_of_combining_marks_and_invisibles() {
        let s = format!(
            "pass{}word={}",
            "\u{0301}".repeat(10_000),
            "\u{200B}".repeat(10_000)
        );
        bounded(&s, Duration::from_secs(20));
    }

    #[test]
    fn deeply_nested_encodings_are_bounded() {
        let mut s = "password=hunter2hunter".to_owned();
        for _ in 0..12 {
            s = base64(s.as_bytes());
        }
        bounded(&s, Duration::from_secs(20));
        // Three levels are decoded: the secret inside is still found.
        let mut s = "api_key = Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB".to_owned();
        for _ in 0..3 {
            s = base64(s.as_bytes());
        }
        assert!(bounded(&s, Duration::from_secs(20)) > 0);
    }

    #[test]
    fn unterminated_pem_and_unbalanced_quotes() {
        let s = format!("-----BEGIN RSA PRIVATE KEY-----\n{}", "A".repeat(1 << 20));
        bounded(&s, Duration::from_secs(60));
        let s = "password=\"".repeat(100_000);
        bounded(&s, Duration::from_secs(60));
    }

    fn base64(b: &[u8]) -> String {
        const T: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for c in b.chunks(3) {
            let v = (c[0] as u32) << 16
                | (*c.get(1).unwrap_or(&0) as u32) << 8
                | *c.get(2).unwrap_or(&0) as u32;
            for k in 0..4 {
                if k <= c.len() {
                    out.push(T[(v >> (18 - 6 * k) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod streaming_tests {
    use super::*;
    use rampart_core::Role;

    #[test]
    fn pending_tail_holds_an_open_pem_block_and_the_last_token() {
        let d = SecretDetector::new();
        let ctx = Context::output();
        let open = format!(
            "see\n-----BEGIN RSA PRIVATE KEY-----\n{}",
            "QUJD".repeat(300)
        );
        let tail = d.pending_tail(&open, &ctx);
        assert_eq!(
            &open[open.len() - tail..open.len() - tail + 10],
            "-----BEGIN"
        );
        let closed = format!("{open}\n-----END RSA PRIVATE KEY-----\nok bye now");
        assert!(d.pending_tail(&closed, &ctx) <= 256);
        let token = format!("{} ops_{}", "word ".repeat(100), "A".repeat(900));
        assert_eq!(d.pending_tail(&token, &Context::input(Role::User)), 904);
    }
}

#[cfg(test)]
mod through_the_engine {
    //! The normaliser and these detectors as the engine uses them.
    use crate::{Context, Guard, Policy, Role, Session};

    #[test]
    fn pem_key_streamed_in_small_chunks_is_redacted_whole() {
        let body: String = (0..40)
            .map(|i| format!("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC{i:02}\n"))
            .collect();
        let answer = format!(
            "Here is the key:\n-----BEGIN PRIVATE KEY-----\n{body}-----END PRIVATE KEY-----\nKeep it safe."
        );
        let guard = Guard::new(Policy::default()).unwrap();
        let mut session = Session::new();
        let mut stream = guard.stream(Context::output());
        let mut out = String::new();
        let chars: Vec<char> = answer.chars().collect();
        for chunk in chars.chunks(7) {
            let chunk: String = chunk.iter().collect();
            out.push_str(&stream.push(&chunk, &mut session).unwrap().emit);
        }
        out.push_str(&stream.finish(&mut session).unwrap().emit);
        assert_eq!(out, "Here is the key:\n[PRIVATE_KEY]\nKeep it safe.");
    }

    #[test]
    fn base64_wrapped_key_is_redacted_as_a_whole_blob() {
        // base64("aws key AKIAIOSFODNN7EXAMPLE")
        let r = Guard::new(Policy::default())
            .unwrap()
            .inspect(
                "run with YXdzIGtleSBBS0lBSU9TRk9ETk43RVhBTVBMRQ== please",
                Context::input(Role::User),
                &mut Session::new(),
            )
            .unwrap();
        assert_eq!(r.text, "run with [AWS_ACCESS_KEY] please");
    }

    #[test]
    fn zero_width_split_email_is_replaced_whole() {
        let mut s = Session::new();
        let r = Guard::new(Policy::default())
            .unwrap()
            .inspect(
                "mail an\u{200B}a@example.es",
                Context::input(Role::User),
                &mut s,
            )
            .unwrap();
        // The e-mail span covers the zero-width character, so one replacement covers both
        // (the engine gives the merged edit the stricter action: redact, of the invisible
        // run, over pseudonymize).
        assert_eq!(r.text, "mail [ZERO_WIDTH]");
        let types: Vec<_> = r
            .findings
            .iter()
            .map(|f| (f.entity.as_str(), f.start, f.end))
            .collect();
        assert!(types.contains(&("EMAIL_ADDRESS", 5, 20)), "{types:?}");
        assert!(types.contains(&("ZERO_WIDTH", 7, 8)), "{types:?}");
    }
}
