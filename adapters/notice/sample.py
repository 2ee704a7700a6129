"""A sample three-party notice (two motor vehicles and an e-bike, rare name characters), its
revocation and review conclusions, used by the tests, the benchmark and
``python -m adapters.notice.sample`` (writes var/notices-sample/*.pdf)."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from adapters.notice.content import NoticeContent, build_notice_content, build_revocation_content
from adapters.notice.review_conclusion import (
    ReviewConclusionContent,
    Reviewer,
    ReviewOutcome,
    build_review_conclusion_content,
)
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
        accident_form="13",  # GA 16.2: 尾随相撞
        impact_points=["P1:01", "P2:06", "P2:03", "P3:04"],
        legal_basis=(
            "《中华人民共和国道路交通安全法》第四十三条、《中华人民共和国道路交通安全法实施条例》"
            "第九十一条及《道路交通事故处理程序规定》第六十条第一款第一项"
        ),
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
        weather="2",  # 阴, as the seat recorded it
        road_surface="干燥",
    )


def sample_revocation(original: NoticeContent, new_number: str = "LZ2026031900007") -> NoticeContent:
    return build_revocation_content(
        original,
        notice_number="LZ2026031900006",
        reason="经泸州市公安局交通警察支队复核，原认定事实不清，责令重新调查、认定",
        issued_at=datetime(2026, 3, 19, 3, 0, tzinfo=UTC),
        new_notice_number=new_number,
    )


REVIEWERS = [Reviewer(name="陈犇", badge_number="050101"), Reviewer(name="周龑", badge_number="050117")]


def sample_review_conclusion(
    original: NoticeContent, outcome: ReviewOutcome = ReviewOutcome.UPHOLD, number: str = "LZFH2026031700003"
) -> ReviewConclusionContent:
    if outcome == ReviewOutcome.UPHOLD:
        reasons = (
            "现场视频、截图及当事人陈述证实，P1驾驶车辆未与前车保持足以采取紧急制动措施的安全距离，"
            "追尾前方等候信号灯的P2车辆，P2车辆受力前移后刮擦P3车辆。原认定事实清楚，证据确实充分，"
            "适用法律正确，责任划分公正，程序合法"
        )
    else:
        reasons = (
            "P3车辆当时是否驶出非机动车道，原认定未予查明，现有证据不足以认定各方当事人的行为与事故的关系"
        )
    return build_review_conclusion_content(
        original,
        number,
        outcome,
        reasons,
        REVIEWERS,
        ["P1"],
        "请求撤销原认定，重新认定责任。理由：前车在绿灯亮起后突然制动，P1来不及避让，不应承担全部责任。",
        applied_at=datetime(2026, 3, 9, 1, 30, tzinfo=UTC),
        issued_at=datetime(2026, 3, 17, 2, 0, tzinfo=UTC),
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
    for outcome in ReviewOutcome:
        conclusion = sample_review_conclusion(content, outcome, number=f"LZFH-{outcome.value}")
        rec3, path3 = service.issue_review_conclusion(conclusion)
        print(f"review/{outcome.value:<11} {path3}  code {rec3.short_code}  {path3.stat().st_size} bytes")


if __name__ == "__main__":
    main()
