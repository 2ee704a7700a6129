"""A sample three-party notice (two motor vehicles and an e-bike, rare name characters), used by the
tests, the benchmark and ``python -m adapters.notice.sample`` (writes var/notices-sample/*.pdf)."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from adapters.notice.content import NoticeContent, build_notice_content, build_revocation_content
from domain.models import Decision, InsurancePolicy, Liability, Location, Party, PartyKind, Vehicle

ISSUED_AT = datetime(2026, 3, 5, 2, 40, tzinfo=UTC)  # 10:40 Asia/Shanghai
ACCIDENT_AT = datetime(2026, 3, 5, 1, 12, tzinfo=UTC)  # 09:12


def sample_parties(names: tuple[str, str, str] = ("张喆", "李堃", "𠮷祥")) -> list[Party]:
    return [
        Party(
            party_id="P1",
            kind=PartyKind.MOTOR_DRIVER,
            name=names[0],
            phone="13800138000",
            id_number="51050219900101123X",
            vehicle=Vehicle(
                plate="川E12345",
                vehicle_type="小型普通客车",
                insurance=InsurancePolicy(
                    insurer_code="PICC",
                    insurer_name="中国人民财产保险股份有限公司泸州市分公司",
                    policy_number="PDZA202651050000001234",
                ),
            ),
        ),
        Party(
            party_id="P2",
            kind=PartyKind.MOTOR_DRIVER,
            name=names[1],
            phone="13982712345",
            id_number="510503198503154216",
            vehicle=Vehicle(
                plate="川EA6D88F",
                vehicle_type="小型新能源汽车",
                insurance=InsurancePolicy(
                    insurer_code="PINGAN",
                    insurer_name="中国平安财产保险股份有限公司四川分公司",
                    policy_number="10513003900438275516",
                ),
            ),
        ),
        Party(
            party_id="P3",
            kind=PartyKind.NON_MOTOR,
            name=names[2],
            phone="15308301234",
            id_number="510521200203056617",
            vehicle=Vehicle(plate="泸州A23456", vehicle_type="电动自行车", insurance=None),
        ),
    ]


def sample_decision(
    officer: str = "王昇", badge: str = "051234", names: tuple[str, str, str] = ("张喆", "李堃", "𠮷祥")
) -> Decision:
    a, b, c = names
    return Decision(
        officer_id="OFF-0007",
        officer_name=officer,
        badge_number=badge,
        unit="泸州市公安局交通警察支队江阳区大队",
        liabilities={"P1": Liability.FULL, "P2": Liability.NONE, "P3": Liability.NONE},
        facts=(
            f"2026年3月5日9时12分许，{a}驾驶川E12345号小型普通客车沿大山坪路由南向北行驶至华阳路口时，"
            f"未与前车保持足以采取紧急制动措施的安全距离，车头与前方等候信号灯的{b}驾驶的川EA6D88F号"
            f"小型新能源汽车车尾相撞，川EA6D88F号车受力前移，其右前部与右侧非机动车道内{c}驾驶的电动"
            "自行车左侧刮擦，造成三车不同程度损坏，无人员受伤。"
        ),
        accident_form="追尾碰撞、刮擦",
        impact_points=["甲车前部", "乙车尾部", "乙车右前部", "丙车左侧"],
        legal_basis=(
            "依据《中华人民共和国道路交通安全法》第四十三条、《中华人民共和国道路交通安全法实施条例》"
            "第九十一条及《道路交通事故处理程序规定》第六十条第一款第一项之规定"
        ),
        weather="阴",
        mediation_result=(
            f"由甲方{a}在本认定书送达之日起十日内赔偿乙方{b}车辆维修费人民币贰仟叁佰元整、丙方{c}"
            "车辆维修费人民币叁佰元整，各方对本次事故再无其他争议。"
        ),
    )


def sample_location() -> Location:
    return Location(
        lat=28.8717,
        lon=105.4423,
        address="四川省泸州市江阳区大山坪路与华阳路交叉口北侧50米",
        district="江阳区",
    )


def sample_content(
    notice_number: str = "LZ2026030500123",
    names: tuple[str, str, str] = ("张喆", "李堃", "𠮷祥"),
    officer: str = "王昇",
    served: bool = False,
) -> NoticeContent:
    return build_notice_content(
        case_number="510502-20260305-0042",
        notice_number=notice_number,
        version=1,
        decision=sample_decision(officer, names=names),
        parties=sample_parties(names),
        location=sample_location(),
        accident_time=ACCIDENT_AT,
        issued_at=ISSUED_AT,
        review_unit="泸州市公安局交通警察支队",
        served_at=ISSUED_AT + timedelta(minutes=17) if served else None,
        review_deadline=date(2026, 3, 10) if served else None,
    )


def sample_revocation(original: NoticeContent, new_number: str = "LZ2026031900007") -> NoticeContent:
    return build_revocation_content(
        original,
        notice_number="LZ2026031900006",
        reason="经泸州市公安局交通警察支队复核，原认定事实不清，责令重新调查、认定",
        issued_at=datetime(2026, 3, 19, 3, 0, tzinfo=UTC),
        new_notice_number=new_number,
    )


def main(argv: list[str] | None = None) -> None:
    from adapters.notice.service import NoticeService

    parser = argparse.ArgumentParser(description="write a sample notice and its revocation under var/")
    parser.add_argument("--out", type=Path, default=Path("var/notices-sample"))
    args = parser.parse_args(argv)
    service = NoticeService.embedded(args.out)
    content = sample_content(served=True)
    record, path = service.issue_notice(content)
    print(f"notice      {path}  code {record.short_code}  {path.stat().st_size} bytes")
    revocation = sample_revocation(content)
    rec2, path2, _ = service.issue_revocation(revocation, record)
    print(f"revocation  {path2}  code {rec2.short_code}  {path2.stat().st_size} bytes")


if __name__ == "__main__":
    main()
