use super::*;
use crate::rtcp::{build_compound, Bye, EntryList, ReceiverReport, Report, SenderReport};
use crate::rtp::RtpHeader;
use crate::stats::NtpTime;

const LOCAL: u32 = 0x1111;

fn addr(port: u16) -> SocketAddr {
    SocketAddr::from(([192, 0, 2, 1], port))
}

fn config(epoch: Instant) -> ReceiverConfig {
    let mut payload_types = heapless::Vec::new();
    payload_types.push((0, 8000)).unwrap();
    payload_types.push((101, 8000)).unwrap();
    ReceiverConfig {
        local_ssrc: LOCAL,
        local_addr: Some(addr(1)),
        payload_types,
        switch_after: 3,
        report_interval: Duration::from_secs(5),
        anchor: WallClockAnchor::new(epoch, NtpTime::from_parts(1000, 0)),
    }
}

fn rtp(ssrc: u32, pt: u8, seq: u16) -> Vec<u8> {
    let h = RtpHeader {
        payload_type: pt,
        sequence_number: seq,
        timestamp: u32::from(seq) * 160,
        ssrc,
        ..RtpHeader::default()
    };
    let mut buf = vec![0u8; h.packet_len(160)];
    h.emit(&mut buf, &[0xff; 160]).unwrap();
    buf
}

fn events<const N: usize>(r: &mut RtpReceiver<N>) -> Vec<ReceiverEvent> {
    core::iter::from_fn(|| r.poll_event()).collect()
}

#[test]
fn first_source_latches_and_unknown_payload_types_are_counted() {
    let t0 = crate::test_epoch();
    let mut r = RtpReceiver::<4>::new(config(t0));
    assert_eq!(
        r.handle_rtp(t0, addr(9), &rtp(7, 0, 10)),
        RtpVerdict::Media {
            ssrc: 7,
            status: PacketStatus::Probation
        }
    );
    assert_eq!(
        r.handle_rtp(t0, addr(9), &rtp(7, 0, 11)),
        RtpVerdict::Media {
            ssrc: 7,
            status: PacketStatus::InOrder
        }
    );
    assert_eq!(
        r.handle_rtp(t0, addr(9), &rtp(7, 96, 12)),
        RtpVerdict::Dropped(DropReason::PayloadType(96))
    );
    assert_eq!(
        r.handle_rtp(t0, addr(9), &[0x80, 0]),
        RtpVerdict::Dropped(DropReason::Malformed)
    );
    assert_eq!(
        events(&mut r),
        vec![ReceiverEvent::SourceLatched {
            ssrc: 7,
            addr: addr(9)
        }]
    );
    let c = r.counters();
    assert_eq!((c.unknown_payload_type, c.malformed), (1, 1));
    assert_eq!(r.stats(7).unwrap().packets(), 2);
}

#[test]
fn switch_needs_an_unbroken_run_without_the_latched_source() {
    let t0 = crate::test_epoch();
    let mut r = RtpReceiver::<4>::new(config(t0));
    r.handle_rtp(t0, addr(9), &rtp(7, 0, 1));
    events(&mut r);
    // Two from the challenger, then the latched source speaks: the run restarts.
    for seq in [100, 101] {
        assert!(matches!(
            r.handle_rtp(t0, addr(8), &rtp(8, 0, seq)),
            RtpVerdict::OtherSource { ssrc: 8, .. }
        ));
    }
    r.handle_rtp(t0, addr(9), &rtp(7, 0, 2));
    assert!(matches!(
        r.handle_rtp(t0, addr(8), &rtp(8, 0, 102)),
        RtpVerdict::OtherSource { .. }
    ));
    // A gap in the challenger's numbers also restarts it.
    r.handle_rtp(t0, addr(8), &rtp(8, 0, 104));
    r.handle_rtp(t0, addr(8), &rtp(8, 0, 105));
    assert_eq!(r.latched(), Some(7));
    assert!(matches!(
        r.handle_rtp(t0, addr(8), &rtp(8, 0, 106)),
        RtpVerdict::Media { ssrc: 8, .. }
    ));
    assert_eq!(r.latched(), Some(8));
    assert_eq!(
        events(&mut r),
        vec![ReceiverEvent::SourceLatched {
            ssrc: 8,
            addr: addr(8)
        }]
    );
    assert_eq!(r.counters().switches, 1);
}

#[test]
fn known_ssrc_from_new_address_is_a_conflict_until_confirmed() {
    let t0 = crate::test_epoch();
    let mut r = RtpReceiver::<4>::new(config(t0));
    r.handle_rtp(t0, addr(9), &rtp(7, 0, 1));
    r.handle_rtp(t0, addr(9), &rtp(7, 0, 2));
    events(&mut r);
    // The same SSRC from a new port (NAT rebinding): dropped twice, then latched.
    for seq in [3, 4] {
        assert_eq!(
            r.handle_rtp(t0, addr(10), &rtp(7, 0, seq)),
            RtpVerdict::Dropped(DropReason::AddressConflict)
        );
    }
    assert!(matches!(
        r.handle_rtp(t0, addr(10), &rtp(7, 0, 5)),
        RtpVerdict::Media { ssrc: 7, .. }
    ));
    assert_eq!(r.counters().address_conflicts, 2);
    // Statistics restarted for the new address.
    assert_eq!(r.stats(7).unwrap().packets(), 1);
    // The old address is now the conflict.
    assert_eq!(
        r.handle_rtp(t0, addr(9), &rtp(7, 0, 6)),
        RtpVerdict::Dropped(DropReason::AddressConflict)
    );
}

#[test]
fn own_ssrc_is_collision_or_loop_reported_once() {
    let t0 = crate::test_epoch();
    let mut r = RtpReceiver::<4>::new(config(t0));
    for _ in 0..3 {
        assert_eq!(
            r.handle_rtp(t0, addr(9), &rtp(LOCAL, 0, 1)),
            RtpVerdict::Dropped(DropReason::OwnSsrc)
        );
    }
    assert_eq!(
        events(&mut r),
        vec![ReceiverEvent::SsrcCollision { from: addr(9) }]
    );
    r.set_local_ssrc(0x2222);
    r.handle_rtp(t0, addr(1), &rtp(0x2222, 0, 1));
    assert_eq!(
        events(&mut r),
        vec![ReceiverEvent::LoopDetected { from: addr(1) }]
    );
    assert_eq!(r.counters().own_ssrc, 4);
}

#[test]
fn table_is_bounded() {
    let t0 = crate::test_epoch();
    let mut r = RtpReceiver::<2>::new(config(t0));
    r.handle_rtp(t0, addr(9), &rtp(1, 0, 1));
    r.handle_rtp(t0, addr(9), &rtp(2, 0, 1));
    assert_eq!(
        r.handle_rtp(t0, addr(9), &rtp(3, 0, 1)),
        RtpVerdict::Dropped(DropReason::TableFull)
    );
    assert_eq!(r.len(), 2);
    assert_eq!(r.counters().table_full, 1);
}

#[test]
fn bye_and_timeout_remove_sources() {
    let t0 = crate::test_epoch();
    let mut r = RtpReceiver::<4>::new(config(t0));
    r.handle_rtp(t0, addr(9), &rtp(7, 0, 1));
    r.handle_rtp(t0, addr(8), &rtp(8, 0, 1));
    events(&mut r);
    // Timeout: 5 intervals of 5 s = 25 s after last heard.
    assert_eq!(r.poll_timeout(), Some(t0 + Duration::from_secs(25)));
    r.handle_rtp(t0 + Duration::from_secs(10), addr(8), &rtp(8, 0, 2));
    r.handle_timeout(t0 + Duration::from_secs(24));
    assert!(events(&mut r).is_empty());
    r.handle_timeout(t0 + Duration::from_secs(25));
    assert_eq!(
        events(&mut r),
        vec![ReceiverEvent::SourceTimeout { ssrc: 7 }]
    );
    assert_eq!(r.latched(), None);
    assert_eq!(r.poll_timeout(), Some(t0 + Duration::from_secs(35)));
    // BYE for source 8 inside an RR compound.
    let bye = Bye {
        ssrcs: EntryList::Items(&[8]),
        reason: None,
    };
    let rr = ReceiverReport {
        ssrc: 8,
        reports: EntryList::default(),
    };
    let mut buf = [0u8; 100];
    let n = build_compound(&mut buf, Report::Receiver(&rr), b"x", Some(&bye)).unwrap();
    r.handle_rtcp(t0 + Duration::from_secs(11), &buf[..n]);
    assert_eq!(events(&mut r), vec![ReceiverEvent::SourceBye { ssrc: 8 }]);
    assert!(r.is_empty());
    assert_eq!(r.poll_timeout(), None);
}

#[test]
fn rtt_from_a_report_about_us_and_lsr_from_their_sr() {
    let t0 = crate::test_epoch();
    let mut r = RtpReceiver::<4>::new(config(t0));
    r.handle_rtp(t0, addr(9), &rtp(7, 0, 1));
    r.handle_rtp(t0, addr(9), &rtp(7, 0, 2));
    events(&mut r);
    // Our SR went out at NTP 1000.0 (t0); they held it 0.5 s; it is back at t0 + 0.8 s.
    let reports = [ReportBlock {
        ssrc: LOCAL,
        last_sr: NtpTime::from_parts(1000, 0).middle32(),
        delay_since_last_sr: 0x8000,
        ..ReportBlock::default()
    }];
    let sr = SenderReport {
        ssrc: 7,
        ntp: NtpTime::from_parts(5, 0x4000_0000),
        reports: EntryList::Items(&reports),
        ..SenderReport::default()
    };
    let mut buf = [0u8; 200];
    let n = build_compound(&mut buf, Report::Sender(&sr), b"peer", None).unwrap();
    r.handle_rtcp(t0 + Duration::from_millis(800), &buf[..n]);
    let ev = events(&mut r);
    let ReceiverEvent::RoundTripTime { reporter: 7, rtt } = ev[0] else {
        panic!("expected an RTT event, got {ev:?}");
    };
    // 0.3 s, to the 1/65536 s resolution of the fields.
    assert!((rtt.as_secs_f64() - 0.3).abs() < 2.0 / 65536.0, "{rtt:?}");
    assert_eq!(r.rtt(), Some(rtt));
    // Their SR feeds our LSR for them.
    let blocks = r.report_blocks(t0 + Duration::from_millis(1800));
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0].last_sr, (5 << 16) | 0x4000);
    assert_eq!(blocks[0].delay_since_last_sr, 0x1_0000);
}
