//! Tests of the secret detector: rules, keyed assignments, odd input, streaming, and
//! through the engine.

pub(super) mod detector {
    use crate::detectors::secrets::*;
    use rampart_core::Role;

    thread_local! {
        /// How many assignment matches had their capture groups computed.
        pub(in crate::detectors::secrets) static ASSIGNMENT_CAPTURES: std::cell::Cell<usize> =
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

mod odd_input_tests {
    //! Detectors on hostile input: bounded time, no panic.
    use crate::detectors::pii::PiiDetector;
    use crate::detectors::secrets::*;
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

mod streaming_tests {
    use crate::detectors::secrets::*;
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
