//! Property tests for the typed views: values assembled from grammar parts (with the
//! whitespace the ABNF allows) parse back into the same parts, and URI equivalence holds
//! under the case and escaping changes §19.1.4 says it must ignore.

// proptest's `prop_oneof!` expands to an `Arc`; the no-shared-state rule is for the cores'
// own code, not for test strategies.
#![allow(clippy::disallowed_types)]

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use sip_proto::header::{NameAddr, Via};
use sip_proto::uri::{Host, Uri};

fn cfg() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(512),
        // A failing case's seed is kept beside this file and replayed first on the next run.
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..ProptestConfig::default()
    }
}

fn hostname() -> impl Strategy<Value = String> {
    "[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,4}[a-z0-9])?){0,2}\\.[a-z][a-z0-9]{0,4}"
}

fn host() -> impl Strategy<Value = String> {
    prop_oneof![
        hostname(),
        any::<[u8; 4]>().prop_map(|a| format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3])),
        any::<[u16; 8]>().prop_map(|a| format!("[{}]", std::net::Ipv6Addr::from(a))),
    ]
}

fn sws() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just(""), Just(" "), Just("  \t ")]
}

fn token() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9.!%*_+`'~-]{1,10}"
}

proptest! {
    #![proptest_config(cfg())]

    #[test]
    fn uri_parts_round_trip(
        sips in any::<bool>(),
        user in proptest::option::of("([a-zA-Z0-9_.!~*'()&=+$,;?/-]|%[0-9A-F]{2}){1,10}"),
        password in proptest::option::of("[a-zA-Z0-9&=+$,]{0,6}"),
        host in host(),
        port in proptest::option::of(any::<u16>()),
        params in proptest::collection::vec(("[a-z][a-z0-9-]{0,6}", proptest::option::of("[a-zA-Z0-9]{1,6}")), 0..4),
        headers in proptest::collection::vec(("[a-zA-Z]{1,6}", "[a-zA-Z0-9]{0,6}"), 0..3),
    ) {
        let assemble = |scheme: &str, user: Option<&str>, host: &str, upper_params: bool| {
            let mut s = String::from(scheme);
            if let Some(u) = user {
                s.push_str(u);
                if let Some(p) = &password {
                    s.push(':');
                    s.push_str(p);
                }
                s.push('@');
            }
            s.push_str(host);
            if let Some(p) = port {
                s.push_str(&format!(":{p}"));
            }
            for (n, v) in &params {
                s.push(';');
                s.push_str(&if upper_params { n.to_ascii_uppercase() } else { n.clone() });
                if let Some(v) = v {
                    s.push('=');
                    s.push_str(v);
                }
            }
            for (i, (n, v)) in headers.iter().enumerate() {
                s.push(if i == 0 { '?' } else { '&' });
                s.push_str(n);
                s.push('=');
                s.push_str(v);
            }
            s
        };
        let s = assemble(if sips { "sips:" } else { "sip:" }, user.as_deref(), &host, false);
        let u = Uri::parse(&s).unwrap();
        prop_assert_eq!(u.is_sips(), sips);
        prop_assert_eq!(u.user(), user.as_deref());
        prop_assert_eq!(u.password(), if user.is_some() { password.as_deref() } else { None });
        prop_assert_eq!(u.host().unwrap().to_string(), host.clone());
        prop_assert_eq!(u.port(), port);
        let got: Vec<_> = u.params().collect();
        let want: Vec<_> = params.iter().map(|(n, v)| (n.as_str(), v.as_deref())).collect();
        prop_assert_eq!(got, want);
        let got: Vec<_> = u.headers().collect();
        let want: Vec<_> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        prop_assert_eq!(got, want);
        prop_assert_eq!(u.to_string(), s.clone());
        prop_assert!(u.equivalent(&u));

        // §19.1.4: scheme, host and parameter case do not matter; unreserved escapes do not.
        let escaped_user = user.as_deref().map(|u| match u.strip_prefix('a') {
            Some(rest) => format!("%61{rest}"),
            None => u.to_string(),
        });
        let shouted = assemble(
            if sips { "SIPS:" } else { "SIP:" },
            escaped_user.as_deref(),
            &host.to_ascii_uppercase(),
            true,
        );
        let v = Uri::parse(&shouted).unwrap();
        prop_assert!(u.equivalent(&v), "{} vs {}", s, shouted);
        prop_assert!(v.equivalent(&u));
        // A different port never matches.
        let other_port = format!("{}{}:{}", if sips { "sips:" } else { "sip:" }, host, port.map_or(5060, |p| p.wrapping_add(1)));
        let w = Uri::parse(&other_port).unwrap();
        prop_assert!(!u.equivalent(&w));
    }

    #[test]
    fn via_parts_round_trip(
        transport in prop_oneof![Just("UDP"), Just("TCP"), Just("TLS"), Just("SCTP"), Just("WSS"), Just("UNKNOWN")],
        host in host(),
        port in proptest::option::of(any::<u16>()),
        branch in "z9hG4bK[a-zA-Z0-9.!%*_+`'~-]{0,12}",
        rport in proptest::option::of(proptest::option::of(any::<u16>())),
        extra in proptest::collection::vec((token(), proptest::option::of(token())), 0..3),
        ws in proptest::collection::vec(sws(), 8),
    ) {
        let mut s = format!("SIP{}/{}2.0{}/{}{} {}{}", ws[0], ws[1], ws[2], ws[3], transport, ws[4], host);
        if let Some(p) = port {
            s.push_str(&format!("{}:{}{}", ws[5], ws[6], p));
        }
        s.push_str(&format!("{};{}branch{}={}{}", ws[7], ws[4], ws[5], ws[6], branch));
        if let Some(r) = rport {
            s.push_str(";rport");
            if let Some(p) = r {
                s.push_str(&format!("={p}"));
            }
        }
        for (n, v) in &extra {
            s.push_str(&format!(" ; {n}"));
            if let Some(v) = v {
                s.push_str(&format!(" = {v}"));
            }
        }
        let via = Via::parse(&s).unwrap();
        prop_assert_eq!(via.transport(), transport);
        prop_assert_eq!(via.host(), host.as_str());
        prop_assert_eq!(Some(via.sent_by_host()), Host::parse(&host));
        prop_assert_eq!(via.port(), port);
        prop_assert_eq!(via.branch(), Some(branch.as_str()));
        if !extra.iter().any(|(n, _)| n.eq_ignore_ascii_case("rport")) {
            prop_assert_eq!(via.rport(), rport);
        }
        prop_assert_eq!(via.params().count(), 1 + usize::from(rport.is_some()) + extra.len());
    }

    #[test]
    fn name_addr_parts_round_trip(
        display in prop_oneof![
            Just(None),
            "[a-zA-Z0-9 ,;:<>@\\\\\"]{0,12}".prop_map(|d| Some((true, d))),
            "[a-zA-Z0-9.!%*_+`'~-]{1,6}( [a-zA-Z0-9.!%*_+`'~-]{1,6}){0,2}".prop_map(|d| Some((false, d))),
        ],
        user in "[a-z0-9]{1,8}",
        host in host(),
        tag in proptest::option::of(token()),
        extra in proptest::collection::vec((token(), proptest::option::of(token())), 0..3),
        bracket in any::<bool>(),
    ) {
        let uri = format!("sip:{user}@{host}");
        let mut s = String::new();
        let mut want_display = None;
        let bracket = bracket || display.is_some();
        if let Some((quoted, d)) = &display {
            if *quoted {
                let escaped: String = d.chars().flat_map(|c| match c {
                    '"' | '\\' => vec!['\\', c],
                    c => vec![c],
                }).collect();
                s.push_str(&format!("\"{escaped}\" "));
                want_display = Some(escaped);
            } else {
                s.push_str(d);
                s.push(' ');
                want_display = Some(d.clone());
            }
        }
        if bracket {
            s.push_str(&format!("<{uri}>"));
        } else {
            s.push_str(&uri);
        }
        let mut n_params = 0;
        if let Some(t) = &tag {
            s.push_str(&format!(";tag={t}"));
            n_params += 1;
        }
        for (n, v) in &extra {
            if n.eq_ignore_ascii_case("tag") {
                continue;
            }
            n_params += 1;
            s.push_str(&format!(";{n}"));
            if let Some(v) = v {
                s.push_str(&format!("={v}"));
            }
        }
        let a = NameAddr::parse("To", &s).unwrap();
        prop_assert_eq!(a.display_name(), want_display.as_deref());
        prop_assert_eq!(a.uri_str(), uri.as_str());
        prop_assert_eq!(a.tag(), tag.as_deref());
        prop_assert_eq!(a.params().count(), n_params);
        prop_assert_eq!(a.is_bracketed(), bracket);
    }

    #[test]
    fn typed_parsers_never_panic(s in "[ -~\t\u{80}-\u{ff}]{0,60}") {
        let _ = Via::parse(&s).map(|v| (v.branch(), v.rport(), v.params().count()));
        let _ = NameAddr::parse("To", &s).map(|a| (a.tag(), a.q(), a.expires(), a.params().count()));
        if let Ok(u) = Uri::parse(&s) {
            prop_assert!(u.equivalent(&u));
            prop_assert_eq!(u.to_string(), s.clone());
        }
        let _ = sip_proto::header::CSeq::parse(&s);
        let _ = sip_proto::header::HttpDate::parse(&s);
        if let Ok(a) = sip_proto::header::Auth::parse("Authorization", &s) {
            let _ = (a.scheme(), a.is_digest(), a.params().count(), a.param("realm"));
        }
        let _ = sip_proto::header::RAck::parse(&s);
    }
}
