"""Attachments and ratings on some demo matters, through the documents services.

Written for the demo: the photos are drawn here (a gradient, a few shapes, grain and a phone camera's
date stamp), the chat screenshot is drawn too, and the IOU (欠条) and the receipt (收据) are small PDFs set
in the same embedded Chinese font as the mediation agreement. Every file goes through ``document_add``,
so it is checked by its bytes and stored under ``MEDIA_ROOT`` like an upload. Once the demo matters have
documents (or ratings), later runs add none.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from pylopdf_fonts_zh_cn import serif_path

from suyuan.accounts.models import User
from suyuan.core.pdf import FONT, add_font
from suyuan.demo.timeline import Action, last_events_at, office_after, waking_after
from suyuan.matters import documents
from suyuan.matters.choices import RATING_STATUSES, DocumentKind, MatterStatus, PartyRole, Visibility
from suyuan.matters.models import Document, Matter, MatterRating
from suyuan.workdays.selectors import CHINA

PHOTO_SIZE = (800, 600)
CHAT_LINES = (
    (False, "你好，我是楼下的，最近这个事情我们能不能当面商量一下？"),
    (True, "我这边也有难处，过几天再说吧。"),
    (False, "已经说过好几次了，一直没有改，家里老人小孩都受影响。"),
    (True, "那等调解员来了一起谈。"),
    (False, "好的，我已经向社区申请调解了。"),
)
# (score, comment) of the ratings residents gave, in turn.
RESIDENT_RATINGS = (
    (5, "调解员态度很好，事情讲得清清楚楚，很快就解决了。"),
    (4, "总体满意，就是中间等通知的时间有点长。"),
    (5, ""),
    (3, "问题解决了一半，对方还没完全按协议做。"),
    (5, "不用跑法院，在村里就调好了，感谢！"),
    (4, ""),
    (2, "打了两次电话才有人回复，希望以后能及时一点。"),
    (5, "网上提交很方便，进度随时能查。"),
    (4, "调解员很耐心。"),
    (5, ""),
)
# The files ``document_actions`` attaches: their presence tells that an earlier run attached them.
ATTACHED_NAMES = ("现场照片.jpg", "微信聊天记录.png", "退款收据.pdf", "现场走访照片.jpg", "欠条扫描件.pdf")
CITIZEN_RATINGS = {
    MatterStatus.RESOLVED: (5, "调解员很耐心，对方已经按协议退款，谢谢！"),
    MatterStatus.CLOSED: (4, "结果满意，就是中间等的时间有点长。"),
}


# --- Files drawn for the demo ------------------------------------------------------------------------------


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(serif_path()), size)


def demo_photo(*, seed: str, stamp: str, caption: str = "") -> bytes:
    """Return a JPEG that looks like a phone photo of a wall or a yard: gradient, shapes, grain, date stamp."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    width, height = PHOTO_SIZE
    top = (rng.randint(150, 200), rng.randint(180, 215), rng.randint(205, 235))
    bottom = (rng.randint(90, 130), rng.randint(85, 115), rng.randint(70, 95))
    image = Image.linear_gradient("L").resize(PHOTO_SIZE)
    image = Image.composite(Image.new("RGB", PHOTO_SIZE, bottom), Image.new("RGB", PHOTO_SIZE, top), image)
    draw = ImageDraw.Draw(image)
    horizon = int(height * rng.uniform(0.45, 0.6))
    for _ in range(rng.randint(3, 5)):  # walls and buildings
        left = rng.randint(-100, width - 150)
        right = left + rng.randint(160, 380)
        roof = horizon - rng.randint(120, 320)
        shade = rng.randint(170, 225)
        draw.rectangle((left, roof, right, horizon + 40), fill=(shade, shade - 8, shade - 20))
        for row in range(roof + 25, horizon, 55):
            for col in range(left + 20, right - 30, 60):
                draw.rectangle((col, row, col + 28, row + 30), fill=(70, 85, 100))
    draw.rectangle((0, horizon + 40, width, height), fill=(128, 120, 105))
    for _ in range(6):  # puddles, debris, things piled up
        x, y = rng.randint(0, width), rng.randint(horizon + 60, height)
        draw.ellipse((x, y, x + rng.randint(40, 160), y + rng.randint(15, 50)), fill=(95, 90, 80))
    grain = Image.effect_noise(PHOTO_SIZE, 28).convert("RGB")
    image = Image.blend(image.filter(ImageFilter.GaussianBlur(1.2)), grain, 0.12)
    draw = ImageDraw.Draw(image)
    font = _font(26)
    draw.text((width - 20, height - 20), stamp, font=font, fill=(255, 196, 64), anchor="rd")
    if caption:
        draw.text((20, 20), caption, font=font, fill=(255, 255, 255), anchor="la")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=78)
    return out.getvalue()


def demo_chat_screenshot(*, title: str, lines: tuple[tuple[bool, str], ...] = CHAT_LINES) -> bytes:
    """Return a PNG that looks like a screenshot of a chat between neighbours."""
    width, height = 540, 960
    image = Image.new("RGB", (width, height), (237, 237, 237))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width, 64), fill=(247, 247, 247))
    draw.text((width // 2, 32), title, font=_font(24), fill=(20, 20, 20), anchor="mm")
    font = _font(21)
    y = 100
    for theirs, text in lines:
        wrapped = [text[i : i + 15] for i in range(0, len(text), 15)]
        box_h = 24 + 30 * len(wrapped)
        box_w = 30 + max(int(draw.textlength(line, font=font)) for line in wrapped)
        if theirs:
            draw.rectangle((16, y, 60, y + 44), fill=(120, 160, 200))
            x = 72
            fill = (255, 255, 255)
        else:
            draw.rectangle((width - 60, y, width - 16, y + 44), fill=(200, 150, 110))
            x = width - 72 - box_w
            fill = (149, 236, 105)
        draw.rounded_rectangle((x, y, x + box_w, y + box_h), radius=8, fill=fill)
        for i, line in enumerate(wrapped):
            draw.text((x + 15, y + 12 + 30 * i), line, font=font, fill=(25, 25, 25))
        y += box_h + 36
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


@contextmanager
def quiet_fonts() -> Iterator[None]:
    """Silence fontTools while PDFs are written: it reports every table it subsets at INFO, which is not
    worth a line each in the seed's output."""
    font_log = logging.getLogger("fontTools")
    level = font_log.level
    font_log.setLevel(logging.WARNING)
    try:
        yield
    finally:
        font_log.setLevel(level)


def demo_pdf(lines: list[tuple[int, str]]) -> bytes:
    """Return an A5 page of ``(font size, text)`` lines in the embedded Chinese font (20 and up: a title)."""
    pdf = FPDF(format=(148, 210), orientation="landscape")  # A5, in millimetres
    pdf.set_creator("Suyuan demo")
    add_font(pdf)  # the font parsed once for every document, as the platform's own documents do
    pdf.add_page()
    pdf.set_draw_color(120, 120, 120)
    pdf.rect(8, 8, pdf.w - 16, pdf.h - 16)
    for size, text in lines:
        pdf.set_font(FONT, size=size)
        if size >= 20:
            pdf.cell(0, 16, text, align="C", new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.multi_cell(0, 9, text, new_x="LMARGIN", new_y="NEXT")
    with quiet_fonts():
        return bytes(pdf.output())


def demo_id_copy(*, name: str, seed: str) -> bytes:
    """Return a JPEG standing in for the photocopy of a resident identity card (the number masked)."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    width, height = PHOTO_SIZE
    image = Image.new("RGB", PHOTO_SIZE, (236, 234, 228))
    draw = ImageDraw.Draw(image)
    left, top = 110, 120
    draw.rounded_rectangle((left, top, width - 110, height - 120), radius=24, fill=(214, 222, 226))
    draw.rectangle((width - 290, top + 50, width - 150, top + 230), fill=(170, 176, 182))  # the photo
    font, small = _font(28), _font(22)
    lines = (
        ("姓名", name),
        ("民族", "汉"),
        ("住址", "浙江省江山市"),
        (
            "公民身份号码",
            f"3308{'*' * 10}{rng.randint(10, 99)}{rng.choice('0123456789X')}{rng.randint(0, 9)}",
        ),
    )
    for index, (label, value) in enumerate(lines):
        y = top + 50 + index * 70
        draw.text((left + 30, y), label, font=small, fill=(60, 90, 120))
        draw.text((left + 30 + (150 if len(label) > 2 else 80), y - 4), value, font=font, fill=(20, 20, 20))
    draw.text(
        (width // 2, height - 70),
        "复印件：仅供向人民法院起诉使用",
        font=small,
        fill=(160, 40, 40),
        anchor="mm",
    )
    grain = Image.effect_noise(PHOTO_SIZE, 30).convert("RGB")
    image = Image.blend(image.filter(ImageFilter.GaussianBlur(0.8)), grain, 0.1)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def demo_judgment(
    *, court: str, number: str, plaintiff: str, defendant: str, holding: str, judge: str, day: dt.date
) -> bytes:
    """Return a one-page PDF standing in for the scan of a judgment signed and sealed outside the platform."""
    return demo_pdf(
        [
            (20, court),
            (20, "民 事 判 决 书"),
            (13, number),
            (13, f"原告：{plaintiff}    被告：{defendant}"),
            (
                13,
                f"原告{plaintiff}与被告{defendant}纠纷一案，本院立案后依法适用简易程序审理。本案现已审理终结。"
                f"本院认为，当事人应当按照约定全面履行自己的义务。依照《中华人民共和国民法典》的有关规定，判决如下：{holding}",
            ),
            (13, "如不服本判决，可以在判决书送达之日起十五日内向本院递交上诉状，上诉于衢州市中级人民法院。"),
            (13, f"审判员  {judge}        {day.year}年{day.month}月{day.day}日"),
            (9, "（扫描件，原件由人民法院存档）"),
        ]
    )


def demo_iou(*, lender: str, borrower: str, amount: Decimal, day: dt.date) -> bytes:
    """Return a one-page PDF standing in for the scan of a handwritten IOU (欠条)."""
    due = day + dt.timedelta(days=180)
    return demo_pdf(
        [
            (22, "欠  条"),
            (
                13,
                f"今欠到{lender}人民币{_capital(amount)}（¥{amount:,.2f}），用于家中建房周转，"
                f"约定于{due.year}年{due.month}月{due.day}日前一次性还清。如到期未还，愿承担由此产生的一切费用。",
            ),
            (13, f"欠款人：{borrower}"),
            (13, f"{day.year}年{day.month}月{day.day}日"),
            (9, "（扫描件，原件由申请人保存）"),
        ]
    )


def demo_loan_note_photo(*, lender: str, borrower: str, amount: Decimal, day: dt.date, seed: str) -> bytes:
    """Return a JPEG that looks like a phone photo of a handwritten loan note (借条) on a table."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    due = day + dt.timedelta(days=365)
    image = Image.new("RGB", PHOTO_SIZE, (rng.randint(120, 150), rng.randint(95, 115), rng.randint(70, 90)))
    paper = Image.new("RGB", (600, 440), (246, 242, 230))
    draw = ImageDraw.Draw(paper)
    for y in range(90, 420, 38):  # ruled lines of a notepad
        draw.line((30, y, 570, y), fill=(200, 205, 220), width=1)
    draw.text((300, 45), "借  条", font=_font(34), fill=(30, 30, 60), anchor="mm")
    font = _font(22)
    lines = [
        f"今借到{lender}人民币{_capital(amount)}",
        f"（¥{amount:,.0f}），于{due.year}年{due.month}月{due.day}日前归还。",
        "",
        f"借款人：{borrower}",
        f"{day.year}年{day.month}月{day.day}日",
    ]
    for index, line in enumerate(lines):
        x = 40 if index < len(lines) - 2 else 330
        draw.text((x, 66 + 38 * (index + 1)), line, font=font, fill=(25, 35, 80))
    paper = paper.rotate(rng.uniform(-4, 4), expand=True, fillcolor=image.getpixel((0, 0)))
    image.paste(paper, ((PHOTO_SIZE[0] - paper.width) // 2, (PHOTO_SIZE[1] - paper.height) // 2))
    grain = Image.effect_noise(PHOTO_SIZE, 26).convert("RGB")
    image = Image.blend(image.filter(ImageFilter.GaussianBlur(0.7)), grain, 0.1)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def demo_receipt(*, payer: str, payee: str, amount: Decimal, day: dt.date) -> bytes:
    """Return a one-page PDF standing in for the scan of a receipt (收据) the applicant signed."""
    return demo_pdf(
        [
            (22, "收  据"),
            (13, f"{day.year}年{day.month}月{day.day}日    No. {day:%m%d}0{int(amount) % 97:02d}"),
            (
                13,
                f"今收到{payer}按调解协议退还的款项人民币{_capital(amount)}（¥{amount:,.2f}），已全部收清。",
            ),
            (13, "付款方式：银行转账"),
            (13, f"收款人：{payee}（签字）"),
        ]
    )


DIGITS = "零壹贰叁肆伍陆柒捌玖"
UNITS = ("", "拾", "佰", "仟")


def _capital(amount: Decimal) -> str:
    """Return a whole amount of yuan in capital numerals, as on receipts (12,500 → 壹万贰仟伍佰元整)."""
    value = int(amount)
    if value == 0:
        return "零元整"
    parts = []
    for group, label in ((value // 10000, "万"), (value % 10000, "")):
        if not group:
            continue
        text = ""
        zero = False
        for position in range(3, -1, -1):
            digit = group // 10**position % 10
            if digit:
                if zero and text:
                    text += "零"
                text += DIGITS[digit] + UNITS[position]
                zero = False
            else:
                zero = True
        if not label and value >= 10000 and group < 1000:
            text = "零" + text  # 10,500 → 壹万零伍佰
        parts.append(text + label)
    return "".join(parts) + "元整"


# --- Which matters get what ------------------------------------------------------------------------------


def _upload(name: str, content: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def _add(
    matter: Matter,
    actor: User,
    name: str,
    make: Callable[[], tuple[bytes, str]],
    *,
    kind: str = DocumentKind.EVIDENCE,
    visibility: str = Visibility.PUBLIC,
) -> Callable[[], object]:
    def run() -> object:
        content, content_type = make()
        return documents.document_add(
            matter=matter,
            actor=actor,
            upload=_upload(name, content, content_type),
            kind=kind,
            visibility=visibility,
        )

    return run


def _amount(matter: Matter, low: int, high: int) -> Decimal:
    return Decimal(low + (matter.pk * 7919) % (high - low) // 500 * 500)


def document_actions(*, citizen: User, mediator: User, county: str, now: dt.datetime) -> list[Action]:
    """Plan the attachments: the demo citizen's photo, screenshot and receipt, a mediator's photo of a
    visit (staff only) and an IOU scanned at the window."""
    actions: list[Action] = []
    demo = Matter.objects.filter(idempotency_key__startswith="demo-")
    if Document.objects.filter(matter__in=demo, original_name__in=ATTACHED_NAMES).exists():
        return []  # attached on an earlier run (the court's documents are not these)
    hers = demo.filter(owner=citizen)
    open_hers = hers.filter(status=MatterStatus.IN_MEDIATION).order_by("pk").first()
    resolved_hers = hers.filter(status=MatterStatus.RESOLVED).order_by("pk").first()
    home = demo.filter(region__code__startswith=county).exclude(owner=citizen)
    visit = (
        home.filter(mediator=mediator, status=MatterStatus.IN_MEDIATION, due_at__gt=now)
        .order_by("pk")
        .first()
    )
    lending = (
        home.filter(
            Q(status=MatterStatus.IN_MEDIATION) | Q(status=MatterStatus.ASSIGNED),
            category__code="lending_finance",
            mediator__isnull=False,
            due_at__gt=now,
        )
        .order_by("pk")
        .first()
    )
    chosen = [m for m in (open_hers, resolved_hers, visit, lending) if m is not None]
    lasts = last_events_at([m.pk for m in chosen])

    def moment(matter: Matter, hours: float, *, staff: bool) -> dt.datetime | None:
        start = lasts[matter.pk] + dt.timedelta(hours=hours)
        at = office_after(start) if staff else waking_after(start)
        return at if at < now - dt.timedelta(minutes=30) else None

    if open_hers is not None and (at := moment(open_hers, 5, staff=False)) is not None:
        photo_at = at

        def photo() -> tuple[bytes, str]:
            return demo_photo(
                seed=f"citizen-{open_hers.pk}", stamp=_stamp(photo_at - dt.timedelta(days=2))
            ), "image/jpeg"

        def chat() -> tuple[bytes, str]:
            return demo_chat_screenshot(title="楼上邻居"), "image/png"

        actions.append(Action(at, 10, _add(open_hers, citizen, "现场照片.jpg", photo)))
        actions.append(
            Action(at + dt.timedelta(minutes=2), 10, _add(open_hers, citizen, "微信聊天记录.png", chat))
        )
    if resolved_hers is not None and (at := moment(resolved_hers, 30, staff=False)) is not None:
        payer = _party_name(resolved_hers, PartyRole.RESPONDENT)
        receipt_day = at.astimezone(CHINA).date()

        def receipt() -> tuple[bytes, str]:
            content = demo_receipt(
                payer=payer,
                payee=citizen.full_name,
                amount=_amount(resolved_hers, 2000, 8000),
                day=receipt_day,
            )
            return content, "application/pdf"

        actions.append(Action(at, 10, _add(resolved_hers, citizen, "退款收据.pdf", receipt)))
    if visit is not None and (at := moment(visit, 20, staff=True)) is not None:
        visit_at = at

        def site() -> tuple[bytes, str]:
            return demo_photo(
                seed=f"visit-{visit.pk}", stamp=_stamp(visit_at), caption="现场走访"
            ), "image/jpeg"

        actions.append(
            Action(at, 10, _add(visit, mediator, "现场走访照片.jpg", site, visibility=Visibility.INTERNAL))
        )
    if (
        lending is not None
        and lending.mediator is not None
        and (at := moment(lending, 3, staff=True)) is not None
    ):
        lender = _party_name(lending, PartyRole.APPLICANT)
        borrower = _party_name(lending, PartyRole.RESPONDENT)
        signed = (lending.occurred_on or lending.created_at.date()) - dt.timedelta(days=200)

        def iou() -> tuple[bytes, str]:
            content = demo_iou(
                lender=lender, borrower=borrower, amount=_amount(lending, 10000, 60000), day=signed
            )
            return content, "application/pdf"

        actions.append(Action(at, 10, _add(lending, lending.mediator, "欠条扫描件.pdf", iou)))
    return actions


def _party_name(matter: Matter, role: str) -> str:
    party = matter.parties.filter(role=role).order_by("pk").first()
    return party.name if party else ""


def rating_actions(*, citizen: User, now: dt.datetime) -> list[Action]:
    """Plan the ratings: two of the demo citizen's finished matters, and every third resident's."""
    finished = (
        Matter.objects.filter(idempotency_key__startswith="demo-", status__in=RATING_STATUSES)
        .exclude(owner=None)
        .select_related("owner")
        .order_by("created_at", "pk")
    )
    if MatterRating.objects.filter(matter__in=finished).exists():
        return []  # rated on an earlier run
    plan: list[tuple[Matter, int, str]] = []
    for status, (score, comment) in CITIZEN_RATINGS.items():
        matter = finished.filter(owner=citizen, status=status).first()
        if matter is not None:
            plan.append((matter, score, comment))
    residents = list(finished.filter(owner__username__startswith="demo.resident."))[::3]
    for index, matter in enumerate(residents[: len(RESIDENT_RATINGS)]):
        score, comment = RESIDENT_RATINGS[index]
        plan.append((matter, score, comment))
    lasts = last_events_at([m.pk for m, _, _ in plan])
    actions = []
    for matter, score, comment in plan:
        at = waking_after(lasts[matter.pk] + dt.timedelta(hours=18 + matter.pk % 40))
        if at >= now - dt.timedelta(minutes=30):
            continue
        actions.append(Action(at, 20, _rate(matter, score, comment)))
    return actions


def _rate(matter: Matter, score: int, comment: str) -> Callable[[], object]:
    owner = matter.owner
    assert owner is not None  # noqa: S101 - chosen among matters with an owner
    return lambda: documents.matter_rate(matter=matter, actor=owner, score=score, comment=comment)
