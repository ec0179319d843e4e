"""A tiny in-process fake of Alipay's open-API gateway (``GET /gateway.do``), for python-alipay-sdk to talk to.

It checks each request the way Alipay does (our app id, an RSA2 signature under our app's public key) and answers
in Alipay's envelope, ``{"alipay_trade_refund_response": {...}, "sign": "..."}``, the signature taken over the
exact JSON text of the inner object with the "Alipay" private key the test gave it. It knows four methods:
``alipay.trade.refund``, ``alipay.trade.fastpay.refund.query`` and ``alipay.trade.query``, over the trades a test
adds with :meth:`FakeAlipayGateway.add_trade`, and ``alipay.fund.trans.uni.transfer`` (a payout to an Alipay
logon id: a repeat of one ``out_biz_no`` answers the same order and moves nothing; a payee in ``unknown_payees`` is
refused with PAYEE_NOT_EXIST; an ``out_biz_no`` in ``transfers_dealing`` is answered DEALING, still in progress).
Signing is done here with ``cryptography`` directly, not with the code under test.

``mode``: ``"ok"``; ``"down"`` (HTTP 503); ``"slow"`` (sleeps ``slow_s`` before answering); ``"busy"`` (Alipay's
code 20000 ACQ.SYSTEM_ERROR, signed); ``"garbage"`` (an HTML error page with status 200); ``"forged"`` (answers
signed with some other key).

    with FakeAlipayGateway(app_id="2021000000000001", alipay_private_key=..., app_public_key=...) as fake:
        fake.add_trade("P1", Decimal("199.00"))
        settings.ALIPAY = {**settings.ALIPAY, "gateway": fake.gateway_url, ...}
"""

from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal, Self
from urllib.parse import parse_qs, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

Mode = Literal["ok", "down", "slow", "busy", "garbage", "forged"]

PATH = "/gateway.do"


def _rsa2_sign(content: str, private_key: rsa.RSAPrivateKey) -> str:
    return base64.b64encode(private_key.sign(content.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


@dataclass
class FakeTrade:
    out_trade_no: str
    total_amount: Decimal
    trade_status: str = "TRADE_SUCCESS"
    trade_no: str = ""
    # out_request_no -> amount, in the order they were made.
    refunds: dict[str, Decimal] = field(default_factory=dict)

    @property
    def refunded(self) -> Decimal:
        return sum(self.refunds.values(), Decimal("0.00"))


@dataclass
class FakeTransfer:
    out_biz_no: str
    amount: Decimal
    identity: str
    name: str
    order_id: str


@dataclass(frozen=True)
class RecordedCall:
    method: str
    params: dict[str, str]
    biz_content: dict[str, Any]
    signature_valid: bool


class FakeAlipayGateway:
    def __init__(self, *, app_id: str, alipay_private_key: str, app_public_key: str, slow_s: float = 1.0):
        self.app_id = app_id
        self._alipay_key = serialization.load_pem_private_key(alipay_private_key.encode(), password=None)
        self._app_public_key = serialization.load_pem_public_key(app_public_key.encode())
        self._forger_key: rsa.RSAPrivateKey | None = None
        self.mode: Mode = "ok"
        self.slow_s = self._default_slow_s = slow_s
        self.trades: dict[str, FakeTrade] = {}
        # out_request_nos the refund query claims not to know (a refund Alipay never recorded).
        self.refund_query_misses: set[str] = set()
        self.transfers: dict[str, FakeTransfer] = {}
        self.unknown_payees: set[str] = set()
        self.transfers_dealing: set[str] = set()
        self.calls: list[RecordedCall] = []
        self._lock = threading.Lock()
        # Bumped by reset(): a request still in flight from before it (a "slow" answer the client gave up on)
        # must not act on the next test's trades.
        self._generation = 0
        self._server: ThreadingHTTPServer | None = None

    # --- lifecycle --------------------------------------------------------------------------------

    def start(self) -> Self:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        # The client gives up on a "slow" answer and closes the socket; the late write is expected.
        server.handle_error = lambda request, client_address: None
        self._server = server
        threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="FakeAlipayGateway", daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def gateway_url(self) -> str:
        assert self._server is not None, "server not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}{PATH}"

    # --- state ------------------------------------------------------------------------------------

    def add_trade(self, out_trade_no: str, total_amount: Decimal, trade_status: str = "TRADE_SUCCESS") -> FakeTrade:
        trade = FakeTrade(
            out_trade_no=out_trade_no,
            total_amount=total_amount,
            trade_status=trade_status,
            trade_no=f"2025010122001400{len(self.trades) + 1:012d}",
        )
        with self._lock:
            self.trades[out_trade_no] = trade
        return trade

    def reset(self) -> None:
        """Back to a fresh gateway: no trades, no calls, mode "ok" (for a server shared by several tests)."""
        with self._lock:
            self._generation += 1
            self.mode = "ok"
            self.slow_s = self._default_slow_s
            self.trades.clear()
            self.refund_query_misses.clear()
            self.transfers.clear()
            self.unknown_payees.clear()
            self.transfers_dealing.clear()
            self.calls.clear()

    def calls_to(self, method: str) -> list[RecordedCall]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    # --- requests ---------------------------------------------------------------------------------

    def _signature_valid(self, params: dict[str, str]) -> bool:
        # Requests sign every parameter but ``sign`` (sign_type included), empty ones left out.
        content = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "sign" and v)
        try:
            self._app_public_key.verify(
                base64.b64decode(params.get("sign", "")), content.encode(), padding.PKCS1v15(), hashes.SHA256()
            )
        except (InvalidSignature, ValueError):
            return False
        return params.get("sign_type") == "RSA2"

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        url = urlsplit(handler.path)
        params = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        method = params.get("method", "")
        try:
            biz_content = json.loads(params.get("biz_content") or "{}")
        except ValueError:
            biz_content = {}
        valid = self._signature_valid(params)
        with self._lock:
            self.calls.append(RecordedCall(method, params, biz_content, valid))
            generation = self._generation

        if self.mode == "down":
            self._send(handler, 503, "text/plain", "Service Unavailable")
            return
        if self.mode == "slow":
            time.sleep(self.slow_s)
        if self.mode == "garbage":
            self._send(handler, 200, "text/html", "<html><body>502 Bad Gateway</body></html>")
            return
        if url.path != PATH:
            self._send(handler, 404, "text/plain", "Not found")
            return

        response_type = method.replace(".", "_") + "_response"
        if params.get("app_id") != self.app_id or not valid:
            # Gateway-level refusals come back unsigned, under error_response.
            error = {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-signature"}
            if params.get("app_id") != self.app_id:
                error |= {"sub_code": "isv.invalid-app-id", "sub_msg": "无效的AppID参数"}
            else:
                error["sub_msg"] = "验签出错"
            self._send(handler, 200, "application/json", json.dumps({"error_response": error}, ensure_ascii=False))
            return

        if self.mode == "busy":
            inner = {"code": "20000", "msg": "Service Currently Unavailable", "sub_code": "ACQ.SYSTEM_ERROR"}
            inner["sub_msg"] = "系统错误"
        else:
            answer = {
                "alipay.trade.refund": self._refund,
                "alipay.trade.fastpay.refund.query": self._refund_query,
                "alipay.trade.query": self._query,
                "alipay.fund.trans.uni.transfer": self._transfer,
            }.get(method)
            if answer is None:
                inner = {"code": "40004", "msg": "Business Failed", "sub_code": "isv.missing-method"}
            else:
                with self._lock:
                    if generation != self._generation:  # reset while this request slept: another test's gateway
                        inner = {
                            "code": "20000",
                            "msg": "Service Currently Unavailable",
                            "sub_code": "ACQ.SYSTEM_ERROR",
                        }
                    else:
                        inner = answer(biz_content)
        self._send_signed(handler, response_type, inner)

    def _send_signed(self, handler: BaseHTTPRequestHandler, response_type: str, inner: dict[str, Any]) -> None:
        inner_json = json.dumps(inner, ensure_ascii=False, separators=(",", ":"))
        key = self._alipay_key
        if self.mode == "forged":
            if self._forger_key is None:
                self._forger_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            key = self._forger_key
        body = f'{{"{response_type}":{inner_json},"sign":"{_rsa2_sign(inner_json, key)}"}}'
        self._send(handler, 200, "application/json", body)

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, content_type: str, body: str) -> None:
        payload = body.encode()
        handler.send_response(status)
        handler.send_header("Content-Type", f"{content_type}; charset=utf-8")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    # --- methods (called under self._lock) --------------------------------------------------------

    @staticmethod
    def _not_exist() -> dict[str, Any]:
        return {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_NOT_EXIST", "sub_msg": "交易不存在"}

    def _refund(self, biz: dict[str, Any]) -> dict[str, Any]:
        trade = self.trades.get(biz.get("out_trade_no", ""))
        if trade is None:
            return self._not_exist()
        amount = Decimal(biz["refund_amount"])
        out_request_no = biz.get("out_request_no") or trade.out_trade_no
        done = {
            "code": "10000",
            "msg": "Success",
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
            "buyer_logon_id": "159****5620",
            "buyer_user_id": "2088101117955611",
        }
        if out_request_no in trade.refunds:
            # A repeat of a refund already made: nothing moves.
            return done | {"fund_change": "N", "refund_fee": f"{trade.refunded:.2f}"}
        if trade.trade_status != "TRADE_SUCCESS":
            return {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.TRADE_STATUS_ERROR"} | {
                "sub_msg": "交易状态不合法"
            }
        if trade.refunded + amount > trade.total_amount:
            return {"code": "40004", "msg": "Business Failed", "sub_code": "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"} | {
                "sub_msg": "退款金额超限"
            }
        trade.refunds[out_request_no] = amount
        if trade.refunded == trade.total_amount:
            trade.trade_status = "TRADE_CLOSED"
        return done | {
            "fund_change": "Y",
            "refund_fee": f"{trade.refunded:.2f}",
            "send_back_fee": f"{amount:.2f}",
            "gmt_refund_pay": "2025-01-01 12:00:00",
        }

    def _refund_query(self, biz: dict[str, Any]) -> dict[str, Any]:
        trade = self.trades.get(biz.get("out_trade_no", ""))
        if trade is None:
            return self._not_exist()
        out_request_no = biz.get("out_request_no", "")
        amount = trade.refunds.get(out_request_no)
        if amount is None or out_request_no in self.refund_query_misses:
            # Alipay answers success with no refund data when it has no such refund.
            return {"code": "10000", "msg": "Success"}
        return {
            "code": "10000",
            "msg": "Success",
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
            "out_request_no": out_request_no,
            "total_amount": f"{trade.total_amount:.2f}",
            "refund_amount": f"{amount:.2f}",
            "refund_status": "REFUND_SUCCESS",
        }

    def _query(self, biz: dict[str, Any]) -> dict[str, Any]:
        trade = self.trades.get(biz.get("out_trade_no", ""))
        if trade is None:
            return self._not_exist()
        return {
            "code": "10000",
            "msg": "Success",
            "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no,
            "buyer_logon_id": "159****5620",
            "trade_status": trade.trade_status,
            "total_amount": f"{trade.total_amount:.2f}",
            "buyer_pay_amount": "0.00" if trade.trade_status == "WAIT_BUYER_PAY" else f"{trade.total_amount:.2f}",
            "point_amount": "0.00",
            "invoice_amount": "0.00",
            "receipt_amount": "0.00",
        }

    def _transfer(self, biz: dict[str, Any]) -> dict[str, Any]:
        out_biz_no = biz.get("out_biz_no", "")
        payee = biz.get("payee_info") or {}
        if payee.get("identity_type") != "ALIPAY_LOGON_ID" or biz.get("product_code") != "TRANS_ACCOUNT_NO_PWD":
            return {"code": "40004", "msg": "Business Failed", "sub_code": "INVALID_PARAMETER", "sub_msg": "参数有误"}
        if payee.get("identity") in self.unknown_payees:
            return {"code": "40004", "msg": "Business Failed", "sub_code": "PAYEE_NOT_EXIST"} | {
                "sub_msg": "收款账号不存在"
            }
        if out_biz_no in self.transfers_dealing:
            return {"code": "10000", "msg": "Success", "out_biz_no": out_biz_no, "status": "DEALING"}
        done = self.transfers.get(out_biz_no)
        if done is None:
            done = FakeTransfer(
                out_biz_no=out_biz_no,
                amount=Decimal(biz["trans_amount"]),
                identity=payee["identity"],
                name=payee.get("name", ""),
                order_id=f"2025010111007000000{len(self.transfers) + 1:013d}",
            )
            self.transfers[out_biz_no] = done
        return {
            "code": "10000",
            "msg": "Success",
            "out_biz_no": out_biz_no,
            "order_id": done.order_id,
            "pay_fund_order_id": done.order_id,
            "status": "SUCCESS",
            "trans_date": "2025-01-01 12:00:00",
        }
