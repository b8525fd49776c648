"""English and Chinese (zh-CN) for the pages: `t("Tasks")` is the text in the reader's language.

Keys are the English text itself, so a template reads naturally and a missing
translation falls back to English rather than to a key nobody understands.
"""
from __future__ import annotations

import math
import re

LANGUAGES = {"en": "English", "zh": "中文"}

ZH = {
    # navigation and common words
    "Tasks": "任务", "Inbox": "消息", "Processes": "流程目录", "Drafts": "流程草稿", "Reports": "报表",
    "Sign in": "登录", "Sign out": "退出", "Username": "用户名", "Password": "密码",
    "Signed in as": "当前用户", "Language": "语言", "Save": "保存", "Back": "返回", "Open": "打开",
    "Name": "名称", "Version": "版本", "Versions": "版本", "Active": "生效", "Inactive": "未生效",
    "Current: new cases start on it": "当前版本：新案例以此启动", "Active · a newer version is current": "生效 · 较新的版本为当前版本",
    "Piloted": "试点中",
    "Status": "状态", "Process": "流程", "Business key": "业务编号", "Due": "到期", "Created": "创建时间",
    "Assignee": "处理人", "Group": "组", "Step": "步骤", "Lane": "泳道", "Form": "表单", "When": "时间",
    "Who": "操作人", "What": "事件", "Details": "详情", "None": "无", "Kind": "类型", "Count": "数量",
    "Error": "错误", "Something went wrong": "出错了",
    # users
    "Users": "用户管理", "Roles": "角色", "Groups": "组", "Region": "区域", "Create": "创建", "New user": "新建用户",
    "User saved": "用户已保存", "Initial password": "初始密码", "New password": "新密码", "Set password": "设置密码",
    "at least 10 characters; or send a link later": "至少 10 个字符；也可以稍后发送设置链接",
    "Send a set-password link": "发送设置密码链接", "add an e-mail address first": "请先填写电子邮箱",
    "Password set": "密码已设置", "Set-password link sent": "设置密码链接已发送", "Set your password": "设置您的密码",
    "Repeat it": "再输入一次", "at least 10 characters; the link works once": "至少 10 个字符；此链接只能使用一次",
    "Your password is set; sign in with it.": "密码已设置，请用新密码登录。", "the two passwords differ": "两次输入的密码不一致",
    "this link is unknown, was used already or has expired; ask an administrator for a new one":
        "此链接无效、已使用或已过期；请联系管理员重新发送",
    "a password needs at least 10 characters": "密码至少需要 10 个字符",
    "Deactivating a user ends their sessions and tokens at once; their open tasks stay for their group.":
        "停用用户会立即结束其会话和令牌；其未完成的任务留给所在组处理。",
    # the case search
    "Cases": "案件", "cases": "个案件", "Customer": "客户", "Started from": "发起日期从", "to": "至",
    "With incident": "有异常", "Field": "字段", "Search": "搜索", "Amount": "金额", "Started": "发起",
    # comments and case actions
    "Add a comment": "添加备注", "Comment": "备注", "Comments": "备注", "Comment added": "备注已添加",
    "Case actions": "案件操作", "Suspend": "挂起", "Retry": "重试", "Terminate": "终止",
    "Corrected data (JSON object, optional)": "更正的数据（JSON 对象，可选）", "Case suspended": "案件已挂起",
    "Case resumed": "案件已恢复", "Case terminated": "案件已终止", "Case retried": "案件已重试",
    # integration
    "Integration": "系统集成", "Webhooks": "Webhook 订阅", "No webhooks yet": "尚无 Webhook", "Events": "事件",
    "Paused": "已暂停", "Pause": "暂停", "Resume": "恢复", "Register a webhook": "登记 Webhook", "Register": "登记",
    "Secret (16 characters or more)": "密钥（至少 16 个字符）", "Dead letters": "投递失败（死信）",
    "attempts": "次尝试", "Redeliver": "重新投递", "Delivery log": "投递记录", "All": "全部", "Event": "事件",
    "Case": "案件", "Attempts": "尝试次数", "pending": "待投递", "delivered": "已投递", "dead": "已放弃",
    "Webhook registered": "Webhook 已登记", "Delivery queued again": "已重新排队投递",
    "Finance and ERP send messages to waiting cases with POST /api/messages; webhooks tell them what happened.":
        "财务和 ERP 通过 POST /api/messages 向等待中的案件发送消息；Webhook 把发生的事件推送给它们。",
    "Each delivery carries X-Crmflow-Delivery (the same on every retry) and X-Crmflow-Signature: sha256= the "
    "HMAC-SHA256 of the raw body with the secret.":
        "每次投递都带有 X-Crmflow-Delivery（重试时不变）和 X-Crmflow-Signature: sha256=（用密钥对原始请求体计算的 "
        "HMAC-SHA256）。",
    # sign-in
    "Unknown user or wrong password": "用户名或密码错误",
    "Too many failed sign-ins; try again in": "登录失败次数过多，请稍后再试：", "minutes": "分钟",
    "Your session expired; please sign in again": "会话已过期，请重新登录",
    # tasks
    "My tasks": "我的任务", "Group tasks to claim": "可认领的组任务", "Overdue": "已超期",
    "Overdue only": "只看超期", "Filter": "筛选", "Claim": "认领", "Give back": "退回给组", "Complete": "完成",
    "Why is this mine?": "为什么分配给我？", "Case context": "案件背景", "No tasks": "没有任务", "Task": "任务",
    "Please correct the marked fields": "请修正标出的字段", "Task completed": "任务已完成",
    "Task claimed": "任务已认领", "Which version new cases start on": "新案件使用哪个版本",
    "Current version": "当前版本", "Pilots": "试点",
    "none": "无", "Pilot": "试点", "for": "适用于", "until": "截至", "started by": "发起人",
    "Cases of customers in these regions (without a customer: of starters in them or in these groups) start on the "
    "pilot; all others on the current version.":
        "这些区域客户的案件（无客户时：这些区域或组的发起人）使用试点版本；其余使用当前版本。",
    "Compare": "对比", "Make this version current for everyone?": "把此版本设为所有人的当前版本？",
    "Terminate this case? Its open tasks are cancelled; this cannot be undone.": "终止此案例？其未完成的任务将被取消，且无法撤销。",
    "Deactivate this version? New cases no longer start on it.": "停用此版本？新案例将不再以此版本启动。",
    "Roll back? New cases start on the version before; running cases stay where they are.":
        "回滚？新案例将以上一版本启动；进行中的案例保持不变。",
    "Move the cases marked ok to the new version? This cannot be undone.": "把标记为可迁移的案例迁移到新版本？此操作无法撤销。",
    "Roll out to everyone": "推广到全部", "End the pilot? New cases start on the current version again.":
        "结束试点？新案件将重新使用当前版本。", "End the pilot": "结束试点", "Earlier pilots": "以往试点",
    "rolled out": "已推广", "ended": "已结束", "by": "由", "Compare versions": "版本对比", "Measure": "指标",
    "Difference": "差异", "runs as a pilot for": "正在试点：",
    "cases of customers there (without a customer: started by people there) start on it, all others on the current "
    "version.": "这些地方客户的案件（无客户时：由那里的人发起）使用它，其余使用当前版本。",
    "Pilot rolled out; new cases start on": "试点已推广；新案件使用",
    "Pilot ended; new cases start on": "试点已结束；新案件使用", "ask me (the simulation stops here)": "询问我（模拟在此停下）",
    "Asks for a decision at": "需要在此作出决定", "Id": "标识", "completed": "已完成", "waiting": "等待中",
    "running": "进行中", "suspended": "已暂停", "started": "启动于",
    "error": "出错", "invalid_answer": "答案不符合表单",
    "shown in the history, the diff and the reports": "显示在历史、差异和报表中",
    "an id starts with a letter and holds letters, digits, _ . - only": "标识以字母开头，只含字母、数字和 _ . -",
    "this id is taken": "此标识已被使用", "Unassigned": "未指定（管理员队列）", "Task given back to its group": "任务已退回给组",
    "This task takes no data": "此任务无需填写数据", "Where this case is": "流程进度",
    "is required": "为必填项", "must be a number": "必须是数字", "must be at least": "不能小于",
    "must be at most": "不能超过", "characters": "个字符", "is not a field of this form": "不是此表单的字段",
    "must be one of": "必须是以下之一", "yes": "是", "no": "否",
    # processes
    "Process catalog": "流程目录", "Copied from": "复制自", "Author": "作者", "Deployed": "部署时间",
    "Diagram": "流程图", "Outline": "流程概要", "Recent instances": "最近的流程实例", "Instance": "流程实例",
    "History": "历史记录", "Current position": "当前位置", "Completed path": "已完成路径",
    "Average time per step": "各步骤平均耗时", "last 90 days": "近90天", "Longest (hours)": "最长（小时）",
    "Open now": "当前待办", "hours": "小时", "Copy to a draft": "复制为草稿",
    "Control points": "控制点", "Threshold": "阈值", "Thresholds": "阈值", "Timers": "定时器",
    "Conditions": "条件", "Incident": "异常",
    # drafts
    "New draft": "新建草稿", "Copy from": "复制来源", "New process key": "新流程标识",
    "Copy": "复制", "Edit": "修改", "Apply": "应用", "Operation": "操作",
    "Validation": "校验", "No problems": "没有问题", "Warnings": "警告", "Errors": "错误",
    "Differences from the source": "与来源流程的差异", "Source": "来源", "This draft": "此草稿",
    "Replay recorded cases": "用真实案例回放", "Replay": "回放",
    "empty: the last 90 days": "留空：最近 90 天", "Period": "期间",
    "First difference": "第一处不同", "Steps added": "新增步骤", "Steps skipped": "跳过的步骤", "Why": "原因",
    "same": "相同", "changed": "有变化", "not_replayable": "无法回放",
    "Runs the cases of this process started in the period through this draft, with the answers, messages and "
    "timers they really had, and shows what would have gone differently. Nothing is changed.":
        "把期间内启动的本流程案例，按其真实的答复、消息和定时器，在本草稿上重新运行，显示哪些地方会不同。不会改动任何数据。",
    "The first 200 are listed; the API answers every case.": "此处列出前 200 个；API 返回全部案例。",
    "No differences": "没有差异", "Simulate": "模拟运行", "Sample start data (JSON)": "示例启动数据（JSON）",
    "Task answers (JSON)": "任务答复（JSON）", "Path taken": "经过路径", "Waits at": "等待于",
    "Deploy": "部署", "Deployed as": "已部署为", "Changes applied": "修改已应用", "Draft": "草稿",
    "Revision": "修订", "Draft created": "草稿已创建", "Only administrators deploy": "只有管理员可以部署",
    # inbox
    "Claim selected": "认领所选", "Select all": "全选", "Select": "选择", "Tasks claimed": "已认领任务数：",
    "Not claimed": "未能认领：", "Previous": "上一页", "Next": "下一页", "Page": "页码",
    "task, customer or business key": "任务、客户或业务编号",
    "Hand to a colleague": "转交同事", "Reassign to": "改派给", "Hand over": "转交", "Task handed to": "任务已转交给",
    "Is the standard process followed?": "是否遵循标准流程？", "Conformance": "流程符合度", "From": "从", "Since": "起始日",
    "Owner": "负责人", "Behind": "明细", "Back to the report": "返回报表",
    "Download CSV": "下载 CSV", "Share of cases through each step": "经过各步骤的案件占比", "Path variants": "路径变体",
    "Share": "占比", "Completed": "已完成", "Average hours": "平均小时", "Path": "路径",
    "Steps of the model never taken": "从未经过的模型步骤", "Where people left the standard path": "偏离标准路径之处",
    "taken away": "被收回（超时或终止）", "reset": "重置", "reassigned": "改派", "given back": "退回",
    "overridden": "特批", "migrated": "迁移", "terminated": "终止", "done by another": "非指派人完成",
    "reopened": "重新打开", "changed outside any process": "流程外修改",
    "Waiting at": "停在步骤", "Any step": "任意步骤", "By person": "按人员", "Departures": "偏离次数",
    "Starts on its own": "按计划自动发起", "This process starts on its own schedule": "该流程按计划自动发起，无需手动发起",
    "next": "下次", "one case for each member of": "为每位成员各发起一个案件：",
    "Start a case": "发起新案件", "Start": "发起", "Case started": "案件已发起",
    "optional, e.g. SO-1001": "可选，例如 SO-1001", "This process starts without data": "此流程发起时无需填写数据",
    "Type part of the name, then choose": "输入部分名称后选择",
    "Mark read": "标为已读", "Start it now": "立即发起", "Unread": "未读", "No messages": "没有消息",
    # reports
    "Reports for managers": "管理报表", "Nothing yet": "暂无数据",
    # the modeler and next-version drafts
    "Process parameters": "流程参数", "Name in Chinese": "中文名称",
    "drag the step into another lane to change it": "把步骤拖到另一个泳道即可更改",
    "Candidate group": "候选组", "Due in (e.g. P3D)": "期限（如 P3D）", "Service": "服务", "Parameter": "参数",
    "Condition": "条件", "default flow: taken when no condition holds": "默认连线：其他条件都不成立时走这里",
    "a number": "数字", "text": "文本", "new parameter name": "新参数名",
    "value": "值", "Add parameter": "添加参数", "a parameter name is letters, digits and _": "参数名只能包含字母、数字和下划线",
    "the engine can run this condition": "引擎可以执行此条件", "problems to fix before deploying": "个问题需在部署前修复",
    "the server refused the change": "服务器拒绝了此修改", "Saving…": "正在保存…", "Saved": "已保存",
    "Unsaved changes": "有未保存的修改", "next version": "下一版本", "Model": "模型", "Download XML": "下载 XML",
    "Upload XML": "上传 XML", "Upload": "上传", "Properties": "属性", "Model uploaded": "模型已上传",
    "Draft rebased": "草稿已变基", "A newer version was deployed meanwhile": "此期间已部署了更新的版本",
    "Deploying this draft would undo these changes unless you make them here too":
        "除非在此草稿中也做这些修改，否则部署此草稿会撤销它们",
    "Changed on both sides": "双方都修改了", "Rebase on": "变基到",
    "Leave empty to adapt the process into its own next version": "留空则改编为该流程自身的下一版本",
    "Migrate running cases": "迁移运行中的案例", "From version": "源版本", "To version": "目标版本",
    "Map the steps that changed": "映射已变更的步骤", "Cases waiting at these steps move to the step you choose":
        "停在这些步骤的案例将移到您选择的步骤", "leave them where they are": "不迁移", "Dry run": "试运行",
    "Migrate the cases marked ok": "迁移标记为 ok 的案例", "Result": "结果", "No running cases on this version":
        "此版本没有运行中的案例", "Verdict": "结论", "Reason": "原因", "Migrated": "已迁移",
    "Deactivate": "停用", "Activate": "启用", "Roll back to the version before": "回滚到上一版本", "Lineage": "流程谱系",
    "Activated": "已启用", "Deactivated": "已停用", "Rolled back; new cases start on": "已回滚；新案例使用",
}

# History event types as people read them (the engine's and the CRM pack's); others read as their words.
EVENTS = {
    "instance_started": ("Case started", "案例开始"), "instance_completed": ("Case completed", "案例完成"),
    "instance_suspended": ("Case suspended", "案例暂停"), "instance_resumed": ("Case resumed", "案例恢复"),
    "instance_terminated": ("Case terminated", "案例终止"), "instance_retried": ("Step retried", "步骤重试"),
    "instance_migrated": ("Case migrated", "案例迁移"), "incident": ("Incident", "故障"),
    "task_created": ("Task created", "任务创建"), "task_completed": ("Task completed", "任务完成"),
    "task_claimed": ("Task claimed", "任务认领"), "task_unclaimed": ("Task given back", "任务退回"),
    "task_delegated": ("Task reassigned", "任务改派"), "task_cancelled": ("Task taken away", "任务收回"),
    "timer_fired": ("Timer fired", "定时器触发"), "message_received": ("Message received", "收到消息"),
    "element_completed": ("Step passed", "步骤通过"), "gateway_decided": ("Decision taken", "网关决策"),
    "comment_added": ("Comment", "备注"), "access_denied": ("Access refused", "访问被拒"),
    "control_point_triggered": ("Control point fired", "控制点触发"),
    "control_point_overridden": ("Control point overridden", "控制点特批"),
    "credit_used_changed": ("Credit used changed", "已用额度变更"), "customer_rejected": ("Customer rejected", "客户被拒"),
}


def event_name(event_type: str, language: str) -> str:
    """A history event type as people read it in `language` ("task_completed": "Task completed", "任务完成")."""
    names = EVENTS.get(event_type)
    if names is None:
        return event_type.replace("_", " ")
    return names[1] if language == "zh" else names[0]


_FIELD_MESSAGE = re.compile(r"^(is required|must be a number|must be at least|must be at most|must be one of|"
                            r"is not a field of this form)(.*)$")


def translate(text: str, language: str) -> str:
    """`text` in `language` (English when there is no translation)."""
    return ZH.get(text, text) if language == "zh" else text


def field_message(message: str, language: str) -> str:
    """A validation message next to a field, translated where its pattern is known."""
    found = _FIELD_MESSAGE.match(message)
    if language != "zh" or not found:
        return message
    rest = found.group(2).replace("characters", ZH["characters"])
    return f"{ZH[found.group(1)]}{rest}"


def pick_language(requested: str | None, accept_language: str | None) -> str:
    """The session's choice, else the browser's preference, else English."""
    if requested in LANGUAGES:
        return requested
    return "zh" if (accept_language or "").lower().startswith("zh") else "en"


def parse_number(text: str) -> int | float:
    """A number typed into a page ("800,000" and "800 000" are 800000): whole numbers as int.

    :raises ValueError: for text that is no finite number (NaN, Infinity and 1e309 included)
    """
    cleaned = re.sub(r"(?<=\d)[,\s\u00a0\u202f](?=\d{3}\b)", "", text.strip())
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", cleaned):
        raise ValueError(f"'{text}' is not a number")
    number = float(cleaned)
    if not math.isfinite(number):
        raise ValueError(f"'{text}' is too large")
    return int(number) if number.is_integer() else number
