"""Simplified Chinese for the web UI: English message id -> 简体中文.

`tests/web/test_i18n.py` extracts every marked string from the templates and views and
fails when one is missing here, so a new label cannot ship untranslated.
"""

ZH = {
    # sign-in, layout, errors
    "Parts network": "配件网络",
    "Main": "主菜单",
    "My warehouse": "我的仓库",
    "Stock lookup": "库存查询",
    "Dashboard": "看板",
    "Transfers": "调拨",
    "Optimizer": "优化",
    "Quotas": "额度",
    "Policy": "策略",
    "Import": "导入",
    "Warehouses": "仓库",
    "HQ": "总部",
    "Sign out": "退出",
    "Sign in": "登录",
    "Username": "用户名",
    "Password": "密码",
    "Warehouse clerks and the HQ parts team sign in here.": "仓管员和总部配件组在此登录。",
    "Wrong username or password.": "用户名或密码错误。",
    # sign-in guard (api/web/signin.py)
    "Too many failed sign-ins for this username. Try again in %(minutes)s minutes, or ask HQ to unlock it.":
        "该用户名登录失败次数过多，请 %(minutes)s 分钟后再试，或请总部解锁。",
    "Too many failed sign-ins from this network address. Try again in %(minutes)s minutes.":
        "该网络地址登录失败次数过多，请 %(minutes)s 分钟后再试。",
    "Sign-in locks": "登录锁定",
    "Network address": "网络地址",
    "Username or address": "用户名或地址",
    "Locked until": "锁定至",
    "Unlock": "解锁",
    "Unlock by name": "按名称解锁",
    "Nothing is locked.": "当前没有被锁定的用户名或地址。",
    "%(name)s can sign in again.": "%(name)s 已解锁，可以再次登录。",
    "After %(failures)s failed sign-ins within %(window)s minutes a username is locked for %(lock)s minutes, even "
    "against the right password; after %(address)s failed sign-ins a network address is. Unlocking lifts the lock "
    "and forgets the failures. Every lock, refused sign-in and unlock is in the audit log.":
        "%(window)s 分钟内同一用户名登录失败 %(failures)s 次即锁定 %(lock)s 分钟，期间即使密码正确也拒绝登录；"
        "同一网络地址失败 %(address)s 次亦同。解锁即解除锁定并清除失败记录。每次锁定、拒绝登录和解锁都记入审计日志。",
    "%(name)s is not locked": "%(name)s 未被锁定",
    "policy %(key)s: %(value)s is less than %(least)s": "策略 %(key)s：%(value)s 小于允许的最小值 %(least)s",
    "You have signed out.": "您已退出。",
    "Back to my start page": "返回我的首页",
    "The form has expired": "表单已失效",
    "The form was sent without a valid security token. Go back, reload the page and try again.":
        "表单缺少有效的安全令牌。请返回、刷新页面后重试。",
    "Not allowed": "无权访问",
    "Not found": "未找到",
    "Not allowed this way": "不允许此操作方式",
    "The file is too large": "文件太大",
    "Your account may not open this page.": "您的账号无权打开此页面。",
    "There is no such page or record.": "没有这个页面或记录。",
    "Upload at most %(mb)s MB.": "上传文件不能超过 %(mb)s MB。",
    "Refused": "操作被拒绝",
    "Something went wrong": "出错了",
    "The error has been logged. Nothing was saved.": "错误已记录，未保存任何数据。",
    "Pages": "分页",
    "Previous": "上一页",
    "Next": "下一页",
    "Page %(page)s of %(last)s": "第 %(page)s / %(last)s 页",
    "HQ view: read only": "总部视图：只读",
    "Warehouse": "仓库",
    "Overview": "概览",
    "Pick list": "拣货单",
    "Receive": "收货",
    "Returns": "退件",
    "Stock count": "盘点",
    "Movements": "库存流水",
    # statuses and kinds
    "draft": "草稿",
    "shipped": "已发运",
    "partially received": "部分收货",
    "received": "已收货",
    "closed short": "短少关闭",
    "cancelled": "已取消",
    "rejected": "已驳回",
    "allocated": "已分配",
    "partially backordered": "部分欠货",
    "backordered": "欠货",
    "delivered": "已送达",
    "expected": "待退回",
    "inspected": "已检验",
    "closed": "已关闭",
    "overdue": "逾期",
    "receipt": "入库",
    "transfer out": "调出",
    "transfer in": "调入",
    "reservation": "预留",
    "release": "释放",
    "issue": "出库",
    "return in": "退回入库",
    "adjustment": "盘点调整",
    "mis-shipment correction": "错发更正",
    "scrap": "报废",
    "old part": "旧件",
    "unused part": "未使用件",
    # form labels
    "SKU": "配件编码",
    "Quantity": "数量",
    "Delivery note": "送货单号",
    "Remark": "备注",
    "Counted quantity": "实盘数量",
    "Reason": "原因",
    "Quantity received": "实收数量",
    "Note": "备注",
    "Why the rest is missing": "短少原因",
    "From": "从",
    "To": "到",
    "New monthly limit (RMB)": "新月度额度（元）",
    "Extension this month (RMB)": "本月临时额度（元）",
    "Value": "值",
    "Parts (master data)": "配件（主数据）",
    "Customer price list (list price per part)": "配件收费标准（每个配件的零售价）",
    "Service points (master data)": "服务网点（主数据）",
    "Stock counts": "盘点数据",
    "What the file holds": "文件内容",
    "File (CSV or XLSX)": "文件（CSV 或 XLSX）",
    "Only .csv and .xlsx files can be imported.": "只能导入 .csv 和 .xlsx 文件。",
    "Outcome": "检验结果",
    "Choose what the part turned out to be.": "请选择检验结果。",
    "Disposal": "处置说明",
    "Defective (confirmed)": "确认故障",
    "No fault found": "未发现故障",
    "Wrong part": "错件",
    # flash messages
    "Requisition %(code)s shipped.": "申请单 %(code)s 已发运。",
    "No part with this SKU.": "没有这个配件编码。",
    "Received %(qty)s × %(sku)s.": "已收货 %(qty)s × %(sku)s。",
    "%(sku)s counted %(n)s: on hand changed by %(delta)+d.": "%(sku)s 实盘 %(n)s：账面在库调整 %(delta)+d。",
    "%(sku)s counted %(n)s: matches the books, nothing changed.": "%(sku)s 实盘 %(n)s：与账面一致，无需调整。",
    "Use a date like 2025-01-31.": "请输入日期，例如 2025-01-31。",
    "Unknown movement kind.": "未知的流水类型。",
    "The end date is before the start date.": "结束日期早于开始日期。",
    "An optimizer proposal ships once HQ approves it.": "优化建议的调拨需总部审批后才发运。",
    "Transfer %(id)s shipped.": "调拨单 %(id)s 已发运。",
    "Received %(qty)s on transfer %(id)s.": "调拨单 %(id)s 已收货 %(qty)s。",
    "Transfer %(id)s closed short.": "调拨单 %(id)s 已按短少关闭。",
    "Transfer %(id)s drafted.": "调拨单 %(id)s 草稿已保存。",
    "Transfer %(id)s approved and shipped.": "调拨单 %(id)s 已审批并发运。",
    "Transfer %(id)s rejected.": "调拨单 %(id)s 已驳回。",
    "Monthly limit of %(dealer)s raised to %(amount)s.": "%(dealer)s 的月度额度已提高到 %(amount)s。",
    "Extension of %(amount)s granted to %(dealer)s for this month.": "已给 %(dealer)s 本月增加临时额度 %(amount)s。",
    "Policy %(key)s saved.": "策略 %(key)s 已保存。",
    "Nothing was imported: %(error)s": "未导入任何数据：%(error)s",
    "Imported %(file)s: %(rows)s rows, %(written)s changes written.": "已导入 %(file)s：%(rows)s 行，写入 %(written)s 处变更。",
    "Import discarded; nothing was written.": "已放弃导入，未写入任何数据。",
    "Return %(code)s received; inspect it next.": "退件 %(code)s 已收货，请接着检验。",
    "Return %(code)s inspected: %(outcome)s.": "退件 %(code)s 已检验：%(outcome)s。",
    "Return %(code)s closed.": "退件 %(code)s 已关闭。",
    # charts
    "On-time rate by day": "每日及时率",
    "On-time rate by centre": "各中心及时率",
    "Shortages by warehouse": "各仓缺件",
    "Stock value by warehouse": "各仓库存金额",
    "Penalties by party": "各责任方罚款",
    # stock lookup
    "SKU or part name": "配件编码或名称",
    "e.g. PUMP or 排水泵": "例如 PUMP 或 排水泵",
    "all warehouses": "全部仓库",
    "only with stock available": "只看有可用库存的",
    "Search": "查询",
    "%(n)s balances": "共 %(n)s 条库存",
    "Part": "配件",
    "On hand": "在库",
    "Reserved": "已预留",
    "Available": "可用",
    "In transit": "在途",
    "No stock matches.": "没有符合条件的库存。",
    "on hand in the network": "全网在库",
    "available": "可用",
    "reserved": "已预留",
    "in transit": "在途",
    "unit price (cost ¥%(cost)s)": "单价（成本 ¥%(cost)s）",
    "No warehouse holds this part.": "没有仓库存有此配件。",
    # warehouse home
    "lines to pick (%(units)s units)": "行待拣货（共 %(units)s 件）",
    "%(n)s past their promise": "%(n)s 行已超承诺时间",
    "transfers to ship": "张调拨单待发运",
    "transfers arriving": "张调拨单在途待收",
    "SKUs on hand, %(units)s units": "个在库配件编码，共 %(units)s 件",
    "stock value at cost": "库存金额（按成本）",
    "Next to ship": "待发运",
    "Promised by": "承诺到达",
    "Requisition": "申请单",
    "Service point": "服务网点",
    "Units": "件数",
    "Open the pick list": "打开拣货单",
    "Nothing to pick right now.": "目前没有待拣货的申请单。",
    "Replacement: %(sku)s was shipped by mistake": "补发：此前错发了 %(sku)s",
    "Latest movements": "最近流水",
    "When": "时间",
    "Kind": "类型",
    "All movements": "全部流水",
    "No movements yet.": "暂无流水。",
    # movements
    "all": "全部",
    "By": "操作人",
    "Reference": "单据号",
    "Filter": "筛选",
    "%(n)s movements": "共 %(n)s 条流水",
    "No movements match.": "没有符合条件的流水。",
    # pick list
    "Requisitions with units reserved here, earliest promise first. Pick the lines, then ship the requisition.":
        "本仓已预留库存的申请单，按承诺到达时间排序。拣齐各行后发运整张申请单。",
    "%(n)s requisitions waiting.": "共 %(n)s 张待发运。",
    "ticket": "工单",
    "Qty": "数量",
    "Ship %(code)s now?": "现在发运 %(code)s？",
    "Ship %(units)s units": "发运 %(units)s 件",
    # receive, count
    "Receive stock": "收货入库",
    "Supplier delivery note or HQ shipment number, if any.": "供应商送货单号或总部发货单号（如有）。",
    "Only the warehouse’s clerks receive stock.": "只有本仓仓管员可以收货。",
    "Stock count adjustment": "盘点调整",
    "Enter what you counted on the shelf. The books are set to it and the difference is recorded with your reason.":
        "输入货架上实际清点的数量。账面将调整为该数量，差异连同原因一起记录。",
    "Books: %(on_hand)s on hand, %(reserved)s reserved.": "账面：在库 %(on_hand)s，已预留 %(reserved)s。",
    "e.g. monthly count, damaged box found": "例如：月度盘点、发现破损",
    "Save count": "保存盘点",
    "Only the warehouse’s clerks count stock.": "只有本仓仓管员可以盘点。",
    "Counted many parts? Import them from a spreadsheet.": "盘点的配件很多？可以用表格导入。",
    # count import (clerk)
    "Count import": "盘点导入",
    "Import a stock count": "导入盘点表",
    "A spreadsheet of what you counted at %(wh)s, one row per part. You see every problem before anything is written; then each count sets the books as if entered by hand.":
        "%(wh)s 的盘点表格，每个配件一行。写入前会列出所有问题；确认后每一行都像手工录入的盘点一样调整账面。",
    "CSV (UTF-8 or GBK) or XLSX, first row naming the columns; every row is for %(wh)s. For example:":
        "CSV（UTF-8 或 GBK 编码）或 XLSX，第一行为列名；每一行都必须是 %(wh)s 的。例如：",
    "monthly count": "月度盘点",
    # returns
    "To receive": "待收货",
    "Return": "退件单",
    "Due by": "应退日期",
    "Status": "状态",
    "No returns on their way here.": "没有寄往本仓的退件。",
    "To inspect": "待检验",
    "Inspection": "检验",
    "Record inspection": "记录检验结果",
    "Nothing waiting for inspection.": "没有待检验的退件。",
    "Inspected, to close": "已检验，待关闭",
    "Close": "关闭",
    "None.": "无。",
    # transfers (clerk)
    "To ship from here": "本仓待发运",
    "Transfer": "调拨单",
    "awaiting HQ approval": "待总部审批",
    "Ship": "发运",
    "No transfers to ship.": "没有待发运的调拨单。",
    "Arriving here": "调入本仓",
    "Shipped": "发运时间",
    "Outstanding": "未收数量",
    "Close short": "短少关闭",
    "Close %(id)s with the rest missing?": "按短少关闭 %(id)s？",
    "Nothing in transit to this warehouse.": "没有调往本仓的在途货物。",
    "Recent transfers": "最近调拨",
    "Received": "已收",
    "None yet.": "暂无。",
    # dashboard
    "HQ dashboard": "总部看板",
    "last %(days)s days": "最近 %(days)s 天",
    "%(h)s h on-time rate (%(n)s deliveries)": "%(h)s 小时到位率（%(n)s 次送达）",
    "units backordered on open requisitions": "件未结申请单欠货",
    "transfers waiting for approval": "张调拨单待审批",
    "2-day on-time rate by day": "2天到位率（按日）",
    "target %(rate)s": "目标 %(rate)s",
    "No deliveries confirmed in this period yet.": "本期尚无确认送达的记录。",
    "2-day on-time rate by centre": "2天到位率（按中心）",
    "Requisition lines the regional warehouse could not serve from its own stock.": "区域仓无法用自有库存满足的申请行数。",
    "No shortages in this period.": "本期没有缺件。",
    "At cost, in 10k RMB.": "按成本，单位：万元。",
    "No stock.": "没有库存。",
    "No ticket data yet: penalties appear once repair tickets are recorded.": "暂无工单数据：记录维修工单后显示罚款。",
    "No penalties in this period.": "本期没有罚款。",
    # import
    "Spreadsheet import": "表格导入",
    "Upload": "上传",
    "CSV (UTF-8 or GBK) or XLSX, first row naming the columns. You see every problem before anything is written.":
        "CSV（UTF-8 或 GBK 编码）或 XLSX，第一行为列名。写入前会列出所有问题。",
    "Check file": "检查文件",
    "Columns": "列",
    "Bold columns are required.": "粗体列为必填。",
    "Preview of %(file)s": "%(file)s 预览",
    "%(n)s problems found. Nothing has been written; fix the file and upload it again.":
        "发现 %(n)s 个问题。未写入任何数据；请修改文件后重新上传。",
    "Row": "行",
    "Column": "列",
    "Problem": "问题",
    "%(rows)s rows are fine: %(new)s new, %(changed)s changed, %(same)s unchanged.":
        "%(rows)s 行全部正确：新增 %(new)s，变更 %(changed)s，不变 %(same)s。",
    "Books": "账面",
    "Difference": "差异",
    "Import these rows": "导入这些行",
    "Discard": "放弃",
    # import: what is wrong with a file or a row
    "the file is neither UTF-8 nor GBK text": "文件既不是 UTF-8 也不是 GBK 编码的文本",
    "not a readable XLSX workbook (%(error)s)": "不是可读取的 XLSX 工作簿（%(error)s）",
    "only .csv and .xlsx files can be imported": "只能导入 .csv 和 .xlsx 文件",
    "the file is empty": "文件是空的",
    "the first row must name the columns": "第一行必须是列名",
    "at most %(n)s rows can be imported at once": "一次最多导入 %(n)s 行",
    "the file has a header row but no data": "文件只有表头，没有数据",
    "required column is missing": "缺少必填列",
    "must be yes or no (1/0, true/false, 是/否)": "必须填是或否（1/0、true/false、是/否）",
    "must be a number": "必须是数字",
    "duplicate of row %(row)s": "与第 %(row)s 行重复",
    "unknown service centre '%(code)s'": "未知的服务中心“%(code)s”",
    "is already a warehouse code": "已是仓库编码",
    "more than ten times the unit price; a typo?": "超过单价的十倍，是否填错了？",
    "unknown warehouse '%(code)s'": "未知的仓库“%(code)s”",
    "you may only count %(warehouse)s": "只能盘点 %(warehouse)s 的库存",
    "unknown sku '%(sku)s'": "未知的配件编码“%(sku)s”",
    "must be a whole number >= 0": "必须是大于等于 0 的整数",
    "at most 200 characters": "最多 200 个字符",
    "%(n)s units are reserved; release or re-plan them first": "已预留 %(n)s 件；请先释放预留或重新安排",
    # optimizer
    "Optimizer runs": "优化运行",
    "Runs": "运行记录",
    "Run": "运行",
    "Started": "开始时间",
    "Progress": "进度",
    "proposed transfers": "建议调拨",
    "No runs yet. The nightly run, or `parts optimize`, records its runs here.": "还没有运行记录。夜间运行或 `parts optimize` 会在这里记录。",
    "Proposed transfers by run": "各次运行的建议调拨",
    "Proposed": "建议时间",
    "Waiting for approval": "待审批",
    "All": "全部",
    "review": "审阅",
    "No proposals yet.": "暂无建议。",
    # policy
    "Policy table": "策略表",
    "Every number HQ may change. A saved value overrides the default from the seed documents and applies from the next operation on.":
        "总部可调整的全部参数。保存的值将覆盖制度文件中的默认值，从下一次操作起生效。",
    "Setting": "参数",
    "Default": "默认值",
    "Current value": "当前值",
    "Changed": "修改记录",
    "Save": "保存",
    # quotas
    "all dealers": "全部代理商",
    "monthly limit": "月度额度",
    "extension in %(period)s": "%(period)s 临时额度",
    "reserved and consumed": "已占用及已使用",
    "Raise the monthly limit": "提高月度额度",
    "Raise limit": "提高额度",
    "One-off extension for this month": "本月一次性临时额度",
    "Grant extension": "批准临时额度",
    "Quota history": "额度记录",
    "Month": "月份",
    "Amount": "金额",
    "No quota movements yet.": "暂无额度记录。",
    "Dealer quotas": "代理商额度",
    "Dealer code or name": "代理商编码或名称",
    "Show": "显示",
    "Dealer": "代理商",
    "Limit": "额度",
    "Extension": "临时额度",
    "Credited": "返还",
    "Consumed": "已使用",
    "Used": "使用率",
    "No dealers match.": "没有符合条件的代理商。",
    # transfers (HQ)
    "optimizer run %(run)s": "优化运行 %(run)s",
    "all drafts": "全部草稿",
    "Drafts to approve": "待审批调拨",
    "Approving ships the transfer: the units leave the source and go in transit.": "审批即发运：货物从调出仓扣减并转为在途。",
    "Proposed by": "提出人",
    "Decision": "审批",
    "Approve and ship": "批准并发运",
    "Reject": "驳回",
    "No drafts waiting.": "没有待审批的调拨单。",
    "New transfer": "新建调拨",
    "Save draft": "保存草稿",
    "Nothing in transit.": "没有在途调拨。",
    # warehouses
    "Code": "编码",
    "Name": "名称",
    "Centre": "服务中心",
    "Stock value": "库存金额",
    "regional": "区域仓",
    "Penalties": "扣罚",
    "Fines by party": "各责任方罚款",
    "Party": "责任方",
    "Tickets": "工单数",
    "Hours over allowance": "超时小时",
    "Fines": "罚款",
    "Bonuses": "奖励",
    "No repair tickets completed in this month.": "本月没有完成的维修工单。",
    "Centres: completion within 3 and 7 days": "各中心三天、七天完成率",
    "Within 3 days": "三天完成率",
    "Target": "目标",
    "Within 7 days": "七天完成率",
    "Over 7 days": "超七天",
    "Monthly bonus": "月度奖金",
    "kept": "保留",
    "Waiting over 90 days for parts (exchange under 三包)": "等件超过90天（三包换机）",
    "Tickets still open at the month end count by their age then.": "月末仍未完成的工单按其届时的时长计入。",
    "Open at month end": "月末未完成",
    "Fines to each centre's three roles": "各中心三个岗位的罚款",
    "A centre's roles are fined per ticket only when it is over 7 days through the centre's cause (shortage, "
    "wrong dispatch). The amounts are our defaults: the seed leaves them blank.":
        "仅当工单因省中心原因（缺件、派单错误等）超 7 天时，才按单处罚中心的三个岗位。金额为我方默认：种子文件中为空白。",
    "Role": "岗位",
    "Tickets over 7 days through the centre": "因中心原因超 7 天的工单",
    "Per-ticket fines": "按单罚款",
    "Monthly fine": "月度罚款",
    "Total": "合计",
    "No centre fines in this month.": "本月没有中心罚款。",
    "service director": "服务主任",
    "parts admin": "配件中心管理员",
    "chase clerk": "催单文员",
    "Parts waits past their promise": "超过承诺时限的等件",
    "HQ's parts module confirms the automatic cause or corrects it; the ticket is re-attributed at once.":
        "总部配件模块确认自动判定的原因或予以更正；工单随即重新归责。",
    "%(automatic)s of %(count)s still automatic.": "%(count)s 项中仍有 %(automatic)s 项为自动判定。",
    "Showing %(shown)s of %(count)s.": "显示 %(count)s 项中的 %(shown)s 项。",
    "Ticket": "工单",
    "Hours past promise": "超出承诺小时数",
    "Cause": "原因",
    "No parts wait ran past its promise in this month.": "本月没有超过承诺时限的等件。",
    "Cause of %(requisition)s on ticket %(ticket)s saved; the ticket is re-attributed.":
        "工单 %(ticket)s 上申请单 %(requisition)s 的原因已保存，工单已重新归责。",
    "automatic": "自动判定",
    "confirmed by HQ": "总部已确认",
    "corrected by HQ": "总部已更正",
    "no one (the carrier's delay)": "无责任方（承运延误）",
    "regional warehouse short (the centre)": "储备仓缺件（省中心）",
    "short everywhere (HQ parts planning)": "全网缺件（总部配件计划）",
    "HQ shipped late (HQ parts group)": "总部迟发（总部配件组）",
    "HQ shipped the wrong part (HQ parts group)": "总部错发（总部配件组）",
    "regional warehouse shipped late": "储备仓迟发",
    "regional warehouse shipped the wrong part": "储备仓错发",
    # domain refusals (refusals.py): the domain's English formats, the values filled in
    "%(warehouse)s has fewer than %(qty)s of %(sku)s available": "%(warehouse)s 的 %(sku)s 可用数量不足 %(qty)s 件",
    "counted %(counted)s but %(reserved)s of %(sku)s are reserved at %(warehouse)s; release or re-plan them first":
        "实盘 %(counted)s 件，但 %(warehouse)s 已预留 %(reserved)s 件 %(sku)s；请先释放预留或重新安排",
    "a stock adjustment needs a reason": "库存调整必须填写原因",
    "cannot ship transfer %(transfer)s: it is %(status)s": "调拨单 %(transfer)s 无法发运：当前状态为“%(status)s”",
    "cannot receive transfer %(transfer)s: it is %(status)s": "调拨单 %(transfer)s 无法收货：当前状态为“%(status)s”",
    "cannot close transfer %(transfer)s: it is %(status)s": "调拨单 %(transfer)s 无法短少关闭：当前状态为“%(status)s”",
    "cannot reject transfer %(transfer)s: it is %(status)s": "调拨单 %(transfer)s 无法驳回：当前状态为“%(status)s”",
    "transfer %(transfer)s has only %(outstanding)s outstanding, cannot receive %(qty)s":
        "调拨单 %(transfer)s 只有 %(outstanding)s 件未收，不能收货 %(qty)s 件",
    "a transfer cannot go from %(warehouse)s to itself": "调出仓和调入仓不能同为 %(warehouse)s",
    "requisition %(code)s has nothing reserved to ship from %(warehouse)s":
        "申请单 %(code)s 在 %(warehouse)s 没有可发运的预留库存",
    "requisition %(code)s is cancelled": "申请单 %(code)s 已取消",
    "return %(code)s is %(status)s; it cannot be received again": "退件 %(code)s 当前状态为“%(status)s”，不能再次收货",
    "return %(code)s was already inspected (%(outcome)s)": "退件 %(code)s 已检验过（%(outcome)s）",
    "return %(code)s is %(status)s; receive it before inspecting": "退件 %(code)s 当前状态为“%(status)s”，请先收货再检验",
    "return %(code)s is %(status)s; only an inspected return can be closed":
        "退件 %(code)s 当前状态为“%(status)s”，只有已检验的退件才能关闭",
    "amount must be between 0.00 and %(most)s": "金额必须在 0.00 到 %(most)s 之间",
    "new limit %(new)s is not above the current %(current)s": "新额度 %(new)s 不高于当前额度 %(current)s",
    "an extension must be more than 0.00": "临时额度必须大于 0.00",
    "policy %(key)s: %(value)s is not a valid %(type)s": "策略 %(key)s：%(value)s 不是有效的%(type)s",
    "whole number": "整数",
    "decimal number": "小数",
    "JSON object": "JSON 对象",
    # import schema messages (schema_messages.py): marshmallow's and the world schema's formats
    "Missing data for required field.": "必填项缺少数据。",
    "Not a valid number.": "不是有效的数字。",
    "Special numeric values (nan or infinity) are not permitted.": "不允许特殊数值（nan 或无穷大）。",
    "Longer than maximum length %(max)s.": "长度超过上限 %(max)s。",
    "Length must be between %(min)s and %(max)s.": "长度必须在 %(min)s 到 %(max)s 之间。",
    "Must be greater than or equal to %(min)s and less than or equal to %(max)s.":
        "必须大于等于 %(min)s 且小于等于 %(max)s。",
    "Must be one of: %(choices)s.": "必须是以下之一：%(choices)s。",
    "must be 1-16 letters, digits, '-', '_' or '.'": "须为 1-16 位字母、数字、'-'、'_' 或 '.'",
    "must be 1-40 letters, digits, '-', '_' or '.'": "须为 1-40 位字母、数字、'-'、'_' 或 '.'",
    "must not contain NUL or unpaired surrogate characters": "不得包含 NUL 字符或不成对的代理字符",
    "must be between 0 and %(max)s": "必须在 0 到 %(max)s 之间",
    "must have at most two decimal places": "最多两位小数",
    # policy descriptions (policy_text.py): the domain's English, as DEFAULTS words it
    "hours from acceptance within which a requisition line must arrive":
        "受理后申请行必须送达的小时数",
    "RMB per unit of line weight delivered on time":
        "按时送达的每单位行权重价值（元）",
    "RMB per unit of line weight delivered late":
        "延迟送达的每单位行权重价值（元）",
    "hour (UTC) of the nightly optimizer run; 18 UTC = 02:00 Beijing":
        "夜间优化运行的时刻（UTC）；UTC 18 点 = 北京时间 02:00",
    "expected units over a regional warehouse's cover below which the nightly transfers leave a sku at HQ; lower holds more of the long tail near the points (README: the trade-off curve)":
        "区域库覆盖期内预期需求低于此数量的配件，夜间调拨留在总部；调低则在网点附近备更多长尾配件（见 README 的权衡曲线）",
    "RMB of stock on hand at cost that the stock plan places across HQ and the regional warehouses":
        "库存计划在总部与各区域库布放的在库库存（按成本计，元）",
    "days from an HQ purchase order to the supplier's delivery, on average":
        "总部采购订单到供应商交货的平均天数",
    "days between HQ's purchase reviews":
        "总部两次采购评审之间的天数",
    "HQ must dispatch a ticket to the provincial centre within":
        "总部须在此时限内将工单派给省服务中心",
    "the centre must dispatch to a service point within":
        "服务中心须在此时限内派给服务网点",
    "the point must contact the customer within (working hours)":
        "网点须在此时限内联系用户（工作时间）",
    "visit allowance within 30 km (市内/近郊)":
        "30 公里内上门时限（市内/近郊）",
    "visit allowance beyond 30 km (郊县/远郊)":
        "30 公里外上门时限（郊县/远郊）",
    "HQ order-taker fine per late dispatch (seed)":
        "总部接单员每次派单超时罚款（种子文件）",
    "centre order-taker fine per late dispatch (seed)":
        "中心接单员每次派单超时罚款（种子文件）",
    "centre fine to each of its 3 roles (service director, parts admin, chase clerk) per ticket over 7 days "
    "through its cause (shortage, wrong dispatch) (our default; blank in seed)":
        "工单因中心原因（缺件、派单错误）超 7 天时，对服务主任、配件中心管理员、催单文员三人每单各罚（我方默认；种子文件空白）",
    "HQ parts group fine per late or wrong shipment (seed)":
        "总部配件组每次发运延迟或错发罚款（种子文件）",
    "regional warehouse fine per late or wrong shipment on a late ticket (our default; the seed names HQ's "
    "parts group only)":
        "储备仓迟发或错发且工单超期时每单罚款（我方默认；种子文件仅规定总部配件组）",
    "point fine per unit not repaired within 72 h (our default; blank in seed)":
        "网点每台超 72 小时未修复罚款（我方默认；种子文件空白）",
    "point fine per unit not repaired within 7 days (our default; blank in seed)":
        "网点每台超 7 天未修复罚款（我方默认；种子文件空白）",
    "timely-visit bonus per twin-tub unit (seed)":
        "双桶机每台及时上门奖励（种子文件）",
    "timely-visit bonus per fully automatic unit (seed)":
        "全自动每台及时上门奖励（种子文件）",
    "timely-visit bonus for other families (our default)":
        "其他品类及时上门奖励（我方默认）",
    "non-excused hours after which a ticket is over 3 days (三天处理完成), and the point's own hours after which it is fined (超72小时未完成维修)":
        "不可免责小时数超过此值即为超 3 天（三天处理完成）；网点自身小时数超过此值即罚款（超72小时未完成维修）",
    "non-excused hours after which a ticket is over 7 days (七天处理完成), and the point's own hours after which the larger fine replaces the 72 h one":
        "不可免责小时数超过此值即为超 7 天（七天处理完成）；网点自身小时数超过此值时以较高罚款替代 72 小时罚款",
    "share of a centre's tickets over 3 days above which its roles lose the bonus":
        "中心超 3 天工单占比高于此值时，相关岗位取消奖励",
    "tickets over 7 days above which the centre's roles lose the bonus and are fined":
        "中心超 7 天工单数高于此值时，相关岗位取消奖励并罚款",
    "monthly fine to the service director (our default; blank in seed)":
        "服务总监月度罚款（我方默认；种子文件空白）",
    "monthly fine to parts admin and chase clerk each (our default; blank in seed)":
        "配件管理员和催件员各自的月度罚款（我方默认；种子文件空白）",
    "province -> share of tickets to complete within 3 days (seed 000 三)":
        "省份 -> 3 天内完成工单的目标占比（种子文件 000 三）",
    "3-day target for provinces the seed does not list (our default)":
        "种子文件未列出省份的 3 天目标（我方默认）",
    "share of tickets to complete within 7 days, everywhere":
        "各地 7 天内完成工单的目标占比",
    "days waiting for a part the maker did not supply before the customer may exchange (三包)":
        "因厂家未供件等待超过此天数，用户可要求换机（三包）",
    "days after issue by which an old part must be back":
        "发件后旧件须返回的天数",
    "share of the part price charged for an overdue or wrong-part return":
        "旧件逾期或返错时按配件价格收取的比例",
    "failed sign-ins for one username within the window after which it is locked":
        "同一用户名在统计时段内登录失败达到此次数即被锁定",
    "failed sign-ins from one network address within the window after which it is locked":
        "同一网络地址在统计时段内登录失败达到此次数即被锁定",
    "minutes over which failed sign-ins are counted":
        "统计登录失败次数的时段（分钟）",
    "minutes a locked username or address is refused, even with the right password (HQ may unlock it sooner)":
        "被锁定的用户名或地址拒绝登录的分钟数，期间即使密码正确也拒绝（总部可提前解锁）",
    "fewest characters in a new web user's password":
        "新建网页用户密码的最少字符数",
    "household unit warranty":
        "家用整机保修期",
    "household key components (主要部件)":
        "家用主要部件保修期（主要部件）",
    "replacement parts":
        "更换配件保修期",
    "commercial unit warranty":
        "商用整机保修期",
    "commercial key components":
        "商用主要部件保修期",
    "commercial replacement parts":
        "商用更换配件保修期",
    "household air conditioner ordinary parts replaced free for life (零配件终身免费更换); off: the unit months below apply":
        "家用空调零配件终身免费更换；关闭时按下方整机月数",
    "household air conditioner unit warranty when parts are not free for life (整机包修六年)":
        "家用空调零配件非终身免费时的整机保修月数（整机包修六年）",
    "household air conditioner compressor and other key components (压缩机包修六年)":
        "家用空调压缩机等主要部件保修月数（压缩机包修六年）",
    "light commercial air conditioner unit warranty (整机保修六年)":
        "轻型商用空调整机保修月数（整机保修六年）",
    "light commercial air conditioner key components":
        "轻型商用空调主要部件保修月数",
    # purchasing
    '%(extra)s more of %(sku)s than ordered: say why to accept it':
        '%(sku)s 比订单多到 %(extra)s 件：请注明原因后再收货',
    '%(sku)s: a whole number from 0 to %(most)s.':
        '%(sku)s：请输入 0 到 %(most)s 之间的整数。',
    'Approve':
        '批准',
    'Arrived now':
        '本次到货',
    'Enter the quantity that arrived for at least one line.':
        '请至少为一行填写到货数量。',
    'Enter what arrived; a later delivery adds to it. Closing short takes what will not come off order.':
        '填写本次到货数量，后续到货会累加。短交关闭后，未到的数量不再计入在途订货。',
    'Lines':
        '明细',
    'No open orders.':
        '没有未完成的订单。',
    'No proposals waiting.':
        '没有待审批的采购建议。',
    'Note (needed when more than ordered arrived)':
        '备注（超量到货时必填）',
    'Open orders':
        '未完成的订单',
    'Order':
        '订单',
    'Ordered':
        '订购',
    'Proposals to approve':
        '待审批的采购建议',
    'Purchase order %(code)s approved.':
        '采购订单 %(code)s 已批准。',
    'Purchase order %(code)s closed short.':
        '采购订单 %(code)s 已短交关闭。',
    'Purchase order %(code)s rejected.':
        '采购订单 %(code)s 已驳回。',
    'Purchasing':
        '采购',
    'Received against %(code)s.':
        '已按 %(code)s 收货。',
    'Recently closed':
        '最近关闭',
    'Supplier':
        '供应商',
    "The stock plan proposes what lifts each part to its order-up-to level, in whole packs and at least the supplier's minimum order. Approving sends the order.":
        '库存计划按补货上限提出采购建议，按整包且不少于供应商最小起订量。批准即向供应商下单。',
    'Value (RMB)':
        '金额（元）',
    'Why the rest will not come':
        '余量不再到货的原因',
    'cannot approve purchase order %(order)s: it is %(status)s':
        '无法批准采购订单 %(order)s：当前状态为%(status)s',
    'cannot close purchase order %(order)s: it is %(status)s':
        '无法关闭采购订单 %(order)s：当前状态为%(status)s',
    'cannot receive against purchase order %(order)s: it is %(status)s':
        '无法按采购订单 %(order)s 收货：当前状态为%(status)s',
    'cannot reject purchase order %(order)s: it is %(status)s':
        '无法驳回采购订单 %(order)s：当前状态为%(status)s',
    'expected %(when)s':
        '预计 %(when)s 到货',
    'open':
        '已下单',
    'proposed':
        '待审批',
    "order up to the stock plan":
        "按库存计划补货",
    "superseded by a newer proposal":
        "已被新的采购建议取代",
    # stock plans (库存计划)
    "Stock plans": "库存计划",
    "made %(when)s by %(who)s": "%(when)s 由 %(who)s 生成",
    "not the latest plan: show %(code)s": "不是最新计划：查看 %(code)s",
    "budget (stock at cost)": "预算（库存成本）",
    "expected stock value": "预计库存金额",
    "expected 2-day on-time rate": "预计2天到位率",
    "upper bound (gap %(gap)s)": "上界（最优性差距 %(gap)s）",
    "forecast units a day": "预测日需求（件）",
    "time to forecast and place": "预测与布局用时",
    "No stock plan yet. Make one below, or wait for the weekly job (Monday 01:00).":
        "尚无库存计划。可在下方生成，或等待每周任务（周一 01:00）。",
    "Expected on-time rate and stock value over plans": "历次计划的预计到位率与库存金额",
    "upper bound": "上界",
    "expected stock value (10k RMB)": "预计库存金额（万元）",
    "budget": "预算",
    "No plans yet.": "暂无计划。",
    "Make a new plan": "生成新计划",
    "Forecasts demand, places stock under the budget and proposes HQ's purchase orders up to it, as the weekly job does. The nights' transfers then follow the newest plan.":
        "与每周任务相同：预测需求，在预算内布局库存，并按计划提出总部采购建议。此后夜间调拨按最新计划补货。",
    "Blank: the policy's budget, ¥%(budget)s.": "留空则使用策略中的预算：¥%(budget)s。",
    "Make the plan": "生成计划",
    "Asked": "提交时间",
    "Budget (RMB)": "预算（元）",
    "policy": "按策略",
    "%(n)s purchase orders": "%(n)s 张采购单",
    "Plan": "计划",
    "Plans so far": "历次计划",
    "latest %(n)s of %(total)s": "最近 %(n)s 次，共 %(total)s 次",
    "Made": "生成时间",
    "Expected stock value (RMB)": "预计库存金额（元）",
    "Expected on-time": "预计到位率",
    "Upper bound": "上界",
    "Gap": "差距",
    "Forecast units a day": "预测日需求（件）",
    "Time (s)": "用时（秒）",
    "What plan %(code)s has each warehouse hold": "计划 %(code)s 各仓库存",
    "Base-stock levels, what each refill lifts stock to, at today's unit cost. The expected stock value above is what the model expects on hand on average.":
        "目标库存水平（每次补货补到的数量），按当前单位成本计价。上方的预计库存金额是模型预计的平均在库金额。",
    "SKUs held": "备货配件数",
    "Value at cost (RMB)": "成本金额（元）",
    "levels": "库存水平",
    "All warehouses": "全部仓库",
    "This plan holds no stock anywhere.": "此计划未在任何仓库备货。",
    "Levels by warehouse and part": "各仓各配件的库存水平",
    "part of the SKU, e.g. PUMP": "配件编码的一部分，例如 PUMP",
    "%(n)s levels": "共 %(n)s 条库存水平",
    "Level": "库存水平",
    "HQ keeps back": "总部保留",
    "Unit cost (RMB)": "单位成本（元）",
    "No levels match.": "没有符合条件的库存水平。",
    "Enter RMB as digits with at most two decimal places, e.g. 30000000 or 30,000,000.00.":
        "请输入金额（元），最多两位小数，例如 30000000 或 30,000,000.00。",
    "The task queue is unavailable; try again shortly.": "任务队列暂不可用，请稍后再试。",
    "Plan run %(run)s failed; nothing was changed. The error is in the server's log.":
        "计划运行 %(run)s 失败，未做任何更改。错误已记录在服务器日志中。",
    "Plan %(plan)s made; %(n)s purchase orders proposed.": "计划 %(plan)s 已生成，提出 %(n)s 张采购建议。",
    "Plan run %(run)s queued. The plan shows here when it is made (minutes for the whole network).":
        "计划运行 %(run)s 已排队。计划生成后显示在此页（全国网络需数分钟）。",
    "queued": "排队中",
    "running": "运行中",
    "done": "已完成",
    "failed": "失败",
    "API": "接口",
    "web page": "网页",
    "weekly job": "每周任务",
    "command line": "命令行",
    "a budget must be more than 0.00 and at most %(most)s RMB": "预算必须大于 0.00 元且不超过 %(most)s 元",
    "stock plan run %(run)s is %(status)s; wait for it to finish": "计划运行 %(run)s %(status)s，请等待其完成",
    # out-of-warranty money: policy keys (issue #18, point 3)
    "visit fee an out-of-warranty customer pays in a municipality (直辖市)": "保修期外用户在直辖市支付的上门维修费",
    "visit fee an out-of-warranty customer pays in a provincial capital (省会城市)": "保修期外用户在省会城市支付的上门维修费",
    "visit fee an out-of-warranty customer pays in a prefecture city (地级市)": "保修期外用户在地级市支付的上门维修费",
    "visit fee an out-of-warranty customer pays in a county (县级市)": "保修期外用户在县级市支付的上门维修费",
    "fee an out-of-warranty customer pays when the unit is repaired at the point (在点, 用户送修)":
        "保修期外用户送修、在网点维修时支付的维修费（在点）",
    "a point found charging a customer more than allowed pays this many times the excess (多收费金额十倍罚款)":
        "网点向用户多收费经核实后，按多收金额的此倍数罚款（多收费金额十倍罚款）",
    "customer price of a part with no list price, as a multiple of its unit cost, rounded up to whole RMB "
    "(our default; the demo catalogue's list prices are made the same way)":
        "未定零售价的配件向用户收取的价格：单位成本乘以此倍数，向上取整到元（我方默认；演示目录的零售价也按此生成）",
    # policy origins (hq/policy.html): a seed's section, or our default (我方默认)
    "Source": "来源",
    "our default": "我方默认",
    "blank in the seed": "厂方资料中金额留空",
    "not in the seeds": "厂方资料未作规定",
    "seed %(seed)s: %(section)s": "厂方资料 %(seed)s：%(section)s",
    "A default marked “our default” is ours, not the maker’s rule: the seed documents leave its amount blank or "
    "say nothing of it. The others cite the seed and section they come from.":
        "标有“我方默认”的默认值由我方设定，并非厂方规定：厂方资料中金额留空或未作规定。其余各项注明所依据的厂方资料及章节。",
    # a provincial centre's pages (centers.py, center/*.html)
    "My centre": "本中心",
    "Tickets completed in %(month)s, and those still open at its end (or now) counted by their age then.":
        "%(month)s 完成的工单，以及月末（或当前）仍未完成、按届时时长计入的工单。",
    "completed within 3 days; target %(target)s": "三天内完成；目标 %(target)s",
    "completed within 7 days; target %(target)s": "七天内完成；目标 %(target)s",
    "tickets over 3 days (%(rate)s; the bonus is lost above %(limit)s)": "张工单超三天（占 %(rate)s；超过 %(limit)s 取消奖金）",
    "tickets over 7 days (bonus lost and fines above %(limit)s)": "张工单超七天（超过 %(limit)s 张取消奖金并罚款）",
    "monthly bonus of the three roles": "三个岗位的月度奖金",
    "too many tickets over 3 days": "超三天工单占比过高",
    "too many tickets over 7 days": "超七天工单过多",
    "old parts sent back by their due date": "旧件按期返回率",
    "%(n)s tickets: %(completed)s completed, %(open)s still open.": "共 %(n)s 张工单：已完成 %(completed)s 张，未完成 %(open)s 张。",
    "The monthly bonus rules do not count time HQ caused.": "月度奖金考核不计总部原因造成的时间。",
    "Fines to the centre’s three roles": "本中心三个岗位的罚款",
    "Per ticket only when it is over 7 days through the centre’s cause (a regional shortage, a wrong dispatch): "
    "%(amount)s RMB to each role.":
        "仅当工单因省中心原因（储备仓缺件、派单错误）超 7 天时按单处罚：每个岗位 %(amount)s 元。",
    "Tickets over 7 days through the centre: %(n)s.": "因中心原因超 7 天的工单：%(n)s 张。",
    "Old-part returns of the centre’s points": "本中心网点的旧件返回",
    "Old parts due this month (units)": "本月到期的旧件（件）",
    "Sent back by the due date (units)": "按期返回（件）",
    "Return rate": "返回率",
    "Returns gone overdue this month": "本月转为逾期的退件",
    "Unused parts returned (units)": "退回的未用新件（件）",
    "Charged to the points (RMB)": "向网点收取（元）",
    "Tickets whose repair fee waits for an old part today": "当前因旧件未返回而暂缓结算维修费的工单",
    "Over 3 days": "超三天",
    "Fined": "被罚款",
    "Still open": "未完成",
    "Reported": "报修时间",
    "Hours": "小时",
    "Hours over 3 days": "超三天小时数",
    "Centre’s hours over allowance": "中心超时小时",
    "Charged to the centre for": "中心责任原因",
    "Centre fines": "中心罚款",
    "No tickets here in this month.": "本月此处没有工单。",
    "%(n)s tickets cannot be attributed yet (no created event or no service point).":
        "%(n)s 张工单暂无法归责（尚无建单事件或未确定网点）。",
    "in progress": "处理中",
    "completed": "已完成",
    "late dispatch by HQ": "总部派单超时",
    "late dispatch by the centre": "中心派单超时",
    "wrong dispatch": "派单错误",
    "regional warehouse short": "储备仓缺件",
    "short everywhere": "全网缺件",
    "HQ shipped late": "总部迟发",
    "HQ shipped the wrong part": "总部错发",
    "late contact": "预约超时",
    "late visit": "上门超时",
    "slow repair": "维修超时",
    "over 7 days through the centre": "因中心原因超7天",
    "HQ order-taker": "总部接单员",
    "HQ parts planning": "总部配件计划",
    "HQ parts group": "总部配件组",
    "centre %(code)s": "服务中心 %(code)s",
    "service point %(code)s": "网点 %(code)s",
    "warehouse %(code)s": "储备仓 %(code)s",
    "ticket created": "建单",
    "dispatched to the centre": "派至省中心",
    "dispatched to the point": "派至网点",
    "customer contacted": "已与用户预约",
    "visited": "已上门",
    "rescheduled by the customer": "用户改约",
    "force majeure": "不可抗力",
    "Back to the centre’s month": "返回本中心月度页面",
    "hours counted (excused time left out)": "计时小时数（不含免责时间）",
    "hours over 3 days": "超三天小时数",
    "hours the centre is charged": "中心责任小时数",
    "fines on this ticket, all parties": "本工单各方罚款合计",
    "This ticket cannot be attributed yet (no created event or no service point).":
        "此工单暂无法归责（尚无建单事件或未确定网点）。",
    "Who is charged": "责任归属",
    "Fine (RMB)": "罚款（元）",
    "Nobody is charged: every party kept its allowance.": "无责任方：各方均在时限内。",
    "Timeline": "时间线",
    "Event": "事件",
    "Until": "截至",
    "Parts waits": "等件",
    "Arrived": "到达时间",
    "No parts were requisitioned for this ticket.": "此工单没有申请配件。",
}
